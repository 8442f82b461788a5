"""Delivery: what the use cases queued in the outbox, sent to Slack and GitLab.

- `kinds`: the one vocabulary of topics, Slack notices, recipients and GitLab operations.
- `drain`: claim, send, mark; retry with back-off; park what keeps failing.
- `letters` and `slack`: the Slack sender; `mirror`: the GitLab sender. Each loads what it
  needs in the claiming transaction and sends without the database.
- `notifier` and `tracker`: the small interfaces to Slack and GitLab the senders use (the
  real ones are in bot/slack and bot/gitlab).
- `courier` and `dispatcher`: delivery after a request's ack, off the request threads.
"""
