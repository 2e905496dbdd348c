"""The web app: scout form, Marketing & Sales queue, health, metrics and the Slack request URL."""
