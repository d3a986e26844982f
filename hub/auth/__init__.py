"""Authentication: bearer tokens to principals. What a principal may do is for policies/ to say."""
