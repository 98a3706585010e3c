"""One stage a module, argument in, value out; none writes outputs/: read, check (raw → Case, every problem
at once), render, convert, proofs, assemble, the letter, the tables, the verdicts, the submission."""
