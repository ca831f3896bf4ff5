CREATE TABLE `login_approvals` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`device_hash` text NOT NULL,
	`approve_hash` text NOT NULL,
	`deny_hash` text NOT NULL,
	`reasons` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`ip` text,
	`country` text,
	`city` text,
	`expires_at` integer NOT NULL,
	`decided_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `login_approvals_approve_unique` ON `login_approvals` (`approve_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `login_approvals_deny_unique` ON `login_approvals` (`deny_hash`);--> statement-breakpoint
CREATE INDEX `login_approvals_user_idx` ON `login_approvals` (`user_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `login_events` ADD `asn` integer;--> statement-breakpoint
ALTER TABLE `login_events` ADD `latitude` real;--> statement-breakpoint
ALTER TABLE `login_events` ADD `longitude` real;