"""What happens after a change commits: the event dispatcher and its subscribers (live cards, feeds)."""
