ALTER TABLE `email_outbox` ADD `provider` text;--> statement-breakpoint
ALTER TABLE `email_outbox` ADD `delivery_status` text;--> statement-breakpoint
CREATE INDEX `email_outbox_provider_message_idx` ON `email_outbox` (`provider_message_id`);--> statement-breakpoint
CREATE TABLE `email_suppressions` (
	`id` text PRIMARY KEY NOT NULL,
	`address_hash` text NOT NULL,
	`masked_address` text NOT NULL,
	`reason` text NOT NULL,
	`provider` text NOT NULL,
	`outbox_id` text,
	`events` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `email_suppressions_address_idx` ON `email_suppressions` (`address_hash`);--> statement-breakpoint
CREATE INDEX `email_suppressions_created_idx` ON `email_suppressions` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `email_events` (
	`provider` text NOT NULL,
	`event_id` text NOT NULL,
	`type` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`provider`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `email_events_received_idx` ON `email_events` (`received_at`);
