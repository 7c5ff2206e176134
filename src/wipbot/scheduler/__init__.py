"""What wipbot does by the clock: weekly prompts, reminders, risk scans, and sending."""
