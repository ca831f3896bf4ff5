CREATE TABLE `spend_warnings` (
	`team_id` text NOT NULL,
	`month` text NOT NULL,
	`kind` text NOT NULL,
	`sent_at` integer NOT NULL,
	PRIMARY KEY(`team_id`, `month`, `kind`),
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `team_billing` (
	`team_id` text PRIMARY KEY NOT NULL,
	`plan` text DEFAULT 'FREE' NOT NULL,
	`monthly_cap_micros` integer,
	`hard_stop` integer DEFAULT false NOT NULL,
	`warn_at_percent` integer DEFAULT 80 NOT NULL,
	`updated_by` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `usage_records` (
	`id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`month` text NOT NULL,
	`amount_micros` integer NOT NULL,
	`description` text NOT NULL,
	`month_to_date_micros` integer NOT NULL,
	`actor_id` text,
	`api_key_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `usage_records_idempotency_unique` ON `usage_records` (`team_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `usage_records_team_month_idx` ON `usage_records` (`team_id`,`month`,`created_at`);--> statement-breakpoint
CREATE TABLE `virtuozzo_connections` (
	`team_id` text PRIMARY KEY NOT NULL,
	`api_url` text NOT NULL,
	`auth_kind` text NOT NULL,
	`credential` text NOT NULL,
	`session_key` text,
	`session_expires_at` integer,
	`session_ttl_seconds` integer DEFAULT 86400 NOT NULL,
	`group_type` text,
	`status` text NOT NULL,
	`generation` integer DEFAULT 1 NOT NULL,
	`connected_by` text NOT NULL,
	`connected_at` integer NOT NULL,
	`last_refresh_at` integer,
	`last_failure_at` integer,
	`last_failure` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
