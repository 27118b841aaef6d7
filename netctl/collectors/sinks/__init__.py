"""Where collected data goes: InfluxDB (with a disk spool) and the state store."""
