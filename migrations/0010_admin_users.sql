CREATE INDEX `users_name_lower_idx` ON `users` (lower("name"));--> statement-breakpoint
CREATE INDEX `users_last_login_idx` ON `users` (`last_login_at`);--> statement-breakpoint
CREATE INDEX `users_disabled_idx` ON `users` (`disabled_at`) WHERE "users"."disabled_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `users_locked_until_idx` ON `users` (`locked_until`) WHERE "users"."locked_until" IS NOT NULL;
