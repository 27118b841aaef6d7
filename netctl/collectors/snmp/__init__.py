"""The SNMP poller: codec, sessions, walker, profiles, conversion, HA election."""
