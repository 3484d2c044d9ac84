/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-datasets.h"

/*
 * The tables of data sets and entries, one step per version: steps[N - 1]
 * takes them from version N - 1 to N. Steps are append only; never edit a
 * released one. Stores written before each component had a version of its
 * own held these tables alone, their version in PRAGMA user_version
 * (VMDS_STORE_SCHEMA_FLAG_LEGACY).
 *
 * Keys and values are BLOBs so that length() counts bytes and ORDER BY key is
 * byte order (memcmp). datasets.used (key bytes + value bytes of the data
 * set's entries) is kept by triggers, so the VM total is a sum over data sets,
 * not over entries; from version 2 datasets.entry_count too.
 */
static const gchar *const vmds_datasets_schema_steps[] = {
    /* 1: the initial schema */
    "CREATE TABLE datasets ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT UNIQUE NOT NULL,"
    "  description TEXT NOT NULL,"
    "  host INTEGER NOT NULL CHECK (host BETWEEN 0 AND 2),"
    "  guest INTEGER NOT NULL CHECK (guest BETWEEN 0 AND 2),"
    "  omit INTEGER NOT NULL CHECK (omit IN (0, 1)),"
    "  used INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE TABLE entries ("
    "  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
    "  key BLOB NOT NULL CHECK (typeof(key) = 'blob'),"
    "  value BLOB NOT NULL CHECK (typeof(value) = 'blob'),"
    "  PRIMARY KEY (dataset_id, key)"
    ") WITHOUT ROWID;"
    "CREATE TRIGGER entries_used_insert AFTER INSERT ON entries BEGIN"
    "  UPDATE datasets SET used = used + length(NEW.key) + length(NEW.value)"
    "    WHERE id = NEW.dataset_id;"
    "END;"
    "CREATE TRIGGER entries_used_update AFTER UPDATE ON entries BEGIN"
    "  UPDATE datasets SET used = used - length(OLD.key) - length(OLD.value)"
    "    WHERE id = OLD.dataset_id;"
    "  UPDATE datasets SET used = used + length(NEW.key) + length(NEW.value)"
    "    WHERE id = NEW.dataset_id;"
    "END;"
    "CREATE TRIGGER entries_used_delete AFTER DELETE ON entries BEGIN"
    "  UPDATE datasets SET used = used - length(OLD.key) - length(OLD.value)"
    "    WHERE id = OLD.dataset_id;"
    "END;",

    /* 2: long values in chunks, and a count of entries per data set.
     *
     * An entry's value is entries.value followed by its chunks in id order:
     * the rows of entry_chunks whose owner is entries.chunks (NULL: none);
     * entries.tail is the bytes in chunks. An entry whose key and value
     * are more than 960 bytes together (VMDS_DATASETS_INLINE_MAX when this
     * step was written) keeps no value inline, for three reasons. SQLite
     * rewrites a whole record when any column of it changes: appending
     * then rewrites the last chunk and the small entries row, not the
     * value. A WITHOUT ROWID table is a b-tree of whole records: a search
     * that compares its key with a record that overflows its page reads all
     * of that record, so big records in `entries` would make every lookup
     * near them slow. And such a record takes an overflow page of its own.
     * Chunks live in a table with integer keys; a chunk's id is above every
     * id before it, so id order is append order, and an entry's first
     * chunk's id is its owner id.
     *
     * The entries triggers count length(value) + tail, so `used` means what
     * it meant in step 1; an update of an entry changes neither its data
     * set nor its key (they are its primary key), so one UPDATE of
     * datasets does, and none when the size is the same. Replacing an
     * entry's chunks or deleting the entry deletes its old chunks. */
    "ALTER TABLE entries ADD COLUMN tail INTEGER NOT NULL DEFAULT 0 CHECK (tail >= 0);"
    "ALTER TABLE entries ADD COLUMN chunks INTEGER;"
    "ALTER TABLE datasets ADD COLUMN entry_count INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE entry_chunks ("
    "  id INTEGER PRIMARY KEY,"
    "  owner INTEGER NOT NULL,"
    "  data BLOB NOT NULL CHECK (typeof(data) = 'blob')"
    ");"
    "CREATE INDEX entry_chunks_owner ON entry_chunks (owner);"
    "DROP TRIGGER entries_used_insert;"
    "DROP TRIGGER entries_used_update;"
    "DROP TRIGGER entries_used_delete;"
    "CREATE TEMP TABLE vmds_moved AS SELECT"
    "  row_number() OVER (ORDER BY dataset_id, key) AS id, dataset_id, key"
    "  FROM entries WHERE length(key) + length(value) > 960;"
    "INSERT INTO entry_chunks (id, owner, data)"
    "  SELECT m.id, m.id, e.value FROM vmds_moved AS m"
    "  JOIN entries AS e ON e.dataset_id = m.dataset_id AND e.key = m.key;"
    "UPDATE entries SET tail = length(value), value = X'', chunks = m.id"
    "  FROM vmds_moved AS m"
    "  WHERE entries.dataset_id = m.dataset_id AND entries.key = m.key;"
    "DROP TABLE vmds_moved;"
    "UPDATE datasets SET entry_count ="
    "  (SELECT count(*) FROM entries WHERE entries.dataset_id = datasets.id);"
    "CREATE TRIGGER entries_used_insert AFTER INSERT ON entries BEGIN"
    "  UPDATE datasets SET used = used + length(NEW.key) + length(NEW.value) + NEW.tail,"
    "    entry_count = entry_count + 1"
    "    WHERE id = NEW.dataset_id;"
    "END;"
    "CREATE TRIGGER entries_used_update AFTER UPDATE ON entries"
    "  WHEN length(NEW.value) + NEW.tail != length(OLD.value) + OLD.tail BEGIN"
    "  UPDATE datasets SET used = used + length(NEW.value) + NEW.tail"
    "    - length(OLD.value) - OLD.tail"
    "    WHERE id = NEW.dataset_id;"
    "END;"
    "CREATE TRIGGER entries_used_delete AFTER DELETE ON entries BEGIN"
    "  UPDATE datasets SET used = used - length(OLD.key) - length(OLD.value) - OLD.tail,"
    "    entry_count = entry_count - 1"
    "    WHERE id = OLD.dataset_id;"
    "END;"
    "CREATE TRIGGER entries_chunks_update AFTER UPDATE OF chunks ON entries"
    "  WHEN OLD.chunks IS NOT NULL AND OLD.chunks IS NOT NEW.chunks BEGIN"
    "  DELETE FROM entry_chunks WHERE owner = OLD.chunks;"
    "END;"
    "CREATE TRIGGER entries_chunks_delete AFTER DELETE ON entries"
    "  WHEN OLD.chunks IS NOT NULL BEGIN"
    "  DELETE FROM entry_chunks WHERE owner = OLD.chunks;"
    "END;",
};

/* a data set with omit_from_snapshot_and_clone is the VM's alone: no
 * snapshot or clone has it; its entries go with it (a foreign key), and
 * their chunks with them (a trigger) */
static const VmdsStoreCopyRule vmds_datasets_copy_rules[] = {
    {"datasets", "omit = 0"},
};

const VmdsStoreSchema vmds_datasets_schema = {
    .component = "datasets",
    .steps = vmds_datasets_schema_steps,
    .n_steps = G_N_ELEMENTS(vmds_datasets_schema_steps),
    .flags = VMDS_STORE_SCHEMA_FLAG_LEGACY,
    .copy_rules = vmds_datasets_copy_rules,
    .n_copy_rules = G_N_ELEMENTS(vmds_datasets_copy_rules),
};
