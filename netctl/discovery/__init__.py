"""Discovery: what the network says it is (LLDP, fingerprints), against what the inventory says.

``poll`` asks every selected device with the SNMP collector's poller, ``store`` keeps what was
seen in the state store, ``drift`` compares it with the inventory, ``importer`` proposes the
inventory edits, ``assets`` is the asset register, ``topology`` draws the map (docs/discovery.md).
"""
