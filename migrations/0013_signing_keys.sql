CREATE TABLE `signing_keys` (
	`kid` text PRIMARY KEY NOT NULL,
	`alg` text NOT NULL,
	`public_jwk` text NOT NULL,
	`private_jwk` text,
	`state` text NOT NULL,
	`origin` text NOT NULL,
	`created_at` integer NOT NULL,
	`activated_at` integer,
	`deactivated_at` integer,
	`retired_at` integer,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `signing_keys_one_next` ON `signing_keys` (`state`) WHERE "signing_keys"."state" = 'next';--> statement-breakpoint
CREATE UNIQUE INDEX `signing_keys_one_current` ON `signing_keys` (`state`) WHERE "signing_keys"."state" = 'current';--> statement-breakpoint
CREATE INDEX `signing_keys_state_idx` ON `signing_keys` (`state`,`retired_at`);
