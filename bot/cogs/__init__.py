"""Discord cogs, one per area; each module ends in `async def setup(bot)`."""
