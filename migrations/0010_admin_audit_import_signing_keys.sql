CREATE TABLE `analytics_daily` (
	`day` text PRIMARY KEY NOT NULL,
	`login_successes` integer DEFAULT 0 NOT NULL,
	`login_failures` integer DEFAULT 0 NOT NULL,
	`suspicious_logins` integer DEFAULT 0 NOT NULL,
	`device_approvals` integer DEFAULT 0 NOT NULL,
	`password_resets` integer DEFAULT 0 NOT NULL,
	`lockouts` integer DEFAULT 0 NOT NULL,
	`session_ends` integer DEFAULT 0 NOT NULL,
	`session_seconds` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
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
CREATE INDEX `signing_keys_state_idx` ON `signing_keys` (`state`,`retired_at`);--> statement-breakpoint
CREATE TABLE `user_import_chunks` (
	`job_id` text NOT NULL,
	`seq` integer NOT NULL,
	`first_row` integer NOT NULL,
	`size` integer NOT NULL,
	`rows` text NOT NULL,
	`errors` text NOT NULL,
	`status` text NOT NULL,
	`created` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`done_at` integer,
	PRIMARY KEY(`job_id`, `seq`),
	FOREIGN KEY (`job_id`) REFERENCES `user_import_jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `user_import_invitations` (
	`job_id` text NOT NULL,
	`team_id` text NOT NULL,
	`email` text NOT NULL,
	`invitation_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`job_id`, `team_id`, `email`),
	FOREIGN KEY (`job_id`) REFERENCES `user_import_jobs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`invitation_id`) REFERENCES `invitations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `user_import_invitations_invitation_idx` ON `user_import_invitations` (`invitation_id`);--> statement-breakpoint
CREATE TABLE `user_import_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`created_by` text,
	`file_hash` text NOT NULL,
	`status` text NOT NULL,
	`total` integer NOT NULL,
	`processed` integer DEFAULT 0 NOT NULL,
	`created` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`chunks` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `user_import_jobs_file_hash_unique` ON `user_import_jobs` (`file_hash`);--> statement-breakpoint
CREATE INDEX `audit_logs_team_idx` ON `audit_logs` (`team_id`,`at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_logs_ip_idx` ON `audit_logs` (`ip`,`at`,`id`);--> statement-breakpoint
CREATE INDEX `users_name_lower_idx` ON `users` (lower("name"));--> statement-breakpoint
CREATE INDEX `users_last_login_idx` ON `users` (`last_login_at`);--> statement-breakpoint
CREATE INDEX `users_disabled_idx` ON `users` (`disabled_at`) WHERE "users"."disabled_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `users_locked_until_idx` ON `users` (`locked_until`) WHERE "users"."locked_until" IS NOT NULL;