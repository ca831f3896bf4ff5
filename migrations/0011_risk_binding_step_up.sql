ALTER TABLE `login_events` ADD `risk_score` integer;--> statement-breakpoint
ALTER TABLE `login_events` ADD `risk_reasons` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `auth_time` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `amr` text DEFAULT 'pwd' NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `ua_family` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `net_prefix` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `asn` integer;--> statement-breakpoint
ALTER TABLE `sessions` ADD `risk_score` integer DEFAULT 0 NOT NULL;