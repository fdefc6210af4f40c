"""The ledger: accounts and transfers, the only code that moves money. `services` moves it
(and documents escrows as two-phase transfers, and how an escrow names its certificate),
`escrow` speaks a contract's words, `checks` holds the invariants behind `flask ledger-check`."""
