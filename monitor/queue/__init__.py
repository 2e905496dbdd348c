"""Actions on queue items, shared by the web app and Slack."""
