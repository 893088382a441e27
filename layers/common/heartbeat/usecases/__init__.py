"""Use cases: one user-visible action each (record a ping, sweep, apply a file, create a key).
They ask the domain what to do and have the store and the adapters carry it out."""
