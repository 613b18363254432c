"""The deal designer: search the terms both sides would accept, and what each concession buys."""
