//! Package mode: a directory of KRM files <-> items, written back atomically.
