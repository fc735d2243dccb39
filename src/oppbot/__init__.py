"""oppbot: a Business Central-style opportunity pipeline in Slack and Teams."""
