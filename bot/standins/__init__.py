"""Local stand-ins for Slack's Web API and GitLab's API v4.

Real HTTP servers on 127.0.0.1 that answer the bot's real clients (slack_sdk, python-gitlab)
as Slack and GitLab would, with workspaces, projects and faults set up in code, plus a signed
request sender that plays the people clicking in Slack. The demo (`python -m bot demo`), the
tests and the benchmarks run the bot against them; production serving never imports them.
"""
