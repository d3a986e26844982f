"""Domain operations that change data; each takes the session and the acting principal."""
