CREATE INDEX `users_name_lower_idx` ON `users` (lower("name"));--> statement-breakpoint
CREATE INDEX `users_last_login_idx` ON `users` (`last_login_at`);
