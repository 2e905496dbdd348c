"""Stage 3: the outbox is delivered to people through notifiers (Slack, email, the alert log)."""
