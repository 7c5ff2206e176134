"""Widths of the text columns that platform ids are kept in, named once: the webhooks refuse a
longer id at the door, since PostgreSQL would refuse the insert (a 500, and the platform
delivering the message again for hours)."""

PHOTO_FILE_ID = 255
"""`checkin_photo.file_id`, `qc_photo.file_id`: Telegram's file ids are under 100 characters,
Meta's media ids about 16 digits."""
INBOUND_ID = 128
"""`seen_inbound.inbound_id`: Meta's wamid ids are about 60 characters."""
LARGEST_INTEGER = 2**31 - 1
"""The largest value of an INTEGER column (every id, every count) on PostgreSQL, and the widest
LIMIT SQLite takes: a larger number from outside names no row and fails the query instead."""
