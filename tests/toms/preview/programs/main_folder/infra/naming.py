def object_key(name: str) -> str:
    return f"site/{name}"
