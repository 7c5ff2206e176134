"""`wipbot demo` and its acts: the whole loop on a fresh SQLite file, with no tokens.

Demo-only code (scripted chats, the Slack console, the simulated scheduler and its manual clock)
lives here so the runtime packages hold only what a deployment runs.
"""
