"""The ledger: accounts and transfers, the only code that moves money."""
