"""What the bot does when someone writes or clicks: platform-free use cases."""
