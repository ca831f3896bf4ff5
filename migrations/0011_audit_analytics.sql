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
CREATE INDEX `audit_logs_team_idx` ON `audit_logs` (`team_id`,`at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_logs_ip_idx` ON `audit_logs` (`ip`,`at`,`id`);
