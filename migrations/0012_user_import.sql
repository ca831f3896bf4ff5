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
CREATE UNIQUE INDEX `user_import_jobs_file_hash_unique` ON `user_import_jobs` (`file_hash`);
