"""The members service: the member registry, union units and hardship files
(困难职工档案), each change with an effective date, published on the members
stream for the ledger's eligibility rules."""
