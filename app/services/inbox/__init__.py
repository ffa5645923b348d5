"""What staff see and do around their tasks: the inbox, the case page, comments, attachments, saved filters."""
