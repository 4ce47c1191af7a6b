/**
 * edgeflow's write-ahead log: the durable source of truth between HTTP ingest and the sink.
 *
 * What it is for. `src/server` appends validated, raw input rows (the join with side data
 * runs after the log, so a replay can re-join after a side-data fix); the sink reads them back
 * with a cursor, writes them to ClickHouse, and checkpoints the last sequence number it
 * committed, which lets the log delete old segments. Records are opaque bytes here.
 *
 * On-disk format. The log is one folder holding segment files, a checkpoint file, and
 * possibly `.broken` files left by recovery.
 *
 * A segment file is named after the sequence number of its first record, as 16 lowercase hex
 * digits plus `.wal` (so names sort in log order), and starts with a 32-byte header: the magic
 * "EFWL", a u16 format version (1), the u16 header size (32), the first sequence number as a
 * u64, 12 reserved zero bytes, and a CRC-32C of the 28 bytes before it. Records follow as
 * frames, each starting on an 8-byte boundary: a CRC-32C (u32), the payload length (u32), the
 * record's sequence number (u64), the payload, and zero padding to the next 8-byte boundary.
 * The CRC covers the 12 bytes after it and the payload, in one range. All integers are
 * little-endian. Sequence numbers start at 1 and grow by one per record with no gaps, across
 * segments: a segment starts one after the previous one's last record. A new segment is
 * started when the next append would take the current one past `segmentBytesMax`; an append
 * never spans two segments. A segment is synced before the next one is created, so only the
 * last segment can ever be torn by a crash.
 *
 * The checkpoint file, `checkpoint`, is 20 bytes: the magic "EFCP", a u16 version (1), two zero
 * bytes, the committed sequence number as a u64, and a CRC-32C of the 16 bytes before it. It
 * is replaced atomically (`checkpoint.tmp`, fdatasync, rename, folder fsync), and only after
 * that are segments whose records are all at or below it deleted.
 *
 * Recovery. Opening the log reads the checkpoint and verifies every frame of every segment
 * still needed. A torn tail of the last segment (an incomplete frame, a bad frame with nothing
 * valid after it, or a bad frame with a zeroed sector close enough to the end to be a torn
 * write) is cut and kept in `<segment>.broken`. Any other bad frame or header is corruption:
 * the open fails with an EdgeflowError of kind "corrupt" naming the segment file and byte
 * offset, unless `repair: true`, which cuts the log there and moves later segments aside.
 * Details in `recovery.ts`.
 *
 * Guarantees. A sync append resolves only after an fdatasync that covers all its records; an
 * async append once write() returned. Any write or fsync error other than ENOSPC makes the log
 * refuse all writes until reopened (PostgreSQL's fsyncgate lesson); ENOSPC and the disk budget
 * refuse appends ("unavailable", `wal_disk_full`) until a checkpoint frees space. Nothing is
 * acknowledged after a failure. The group commit's fdatasync runs on a thread of its own, so
 * requests are decoded meanwhile. Details in `group-commit.ts`.
 *
 * Limits. Every queue and size has a `...Max` option (see `options.ts`): `segmentBytesMax`
 * (64 MiB), `recordBytesMax` (1 MiB), `appendRecordCountMax` (100,000), `appendBytesMax`
 * (16 MiB), `groupCommitBytesMax` (4 MiB), `queueBytesMax` (64 MiB), `unsyncedBytesMax`
 * (8 MiB), `diskBytesMax` (8 GiB), `waitersMax` (10,000). Recovery holds one segment in memory.
 *
 * Files here, one job each: `crc32c` (checksum), `format` (byte layout), `encoder` and
 * `decoder` (frames), `segments` (segment files), `recovery` and `repair` (open-time scan and
 * cuts), `checkpoint`, `group-commit` (batching, fsync, failure), `cursor` (reading),
 * `errors` (the log's EdgeflowErrors), `options` (defaults, limits and their checks),
 * `file-layer` (the real file system), `fsync-thread` (its off-loop fdatasync) and `fault-fs`
 * (a lying one for tests), `wal` (wiring).
 */
export { openWal, Wal } from "./wal.ts";
export type { AppendOptions, CheckpointResult, WalHealth, WalMetrics, WalState } from "./wal.ts";
export type { AppendResult, WaitOptions } from "./group-commit.ts";
export { WalCursor } from "./cursor.ts";
export type { CursorOptions, ReadLimits, WalRecord } from "./cursor.ts";
export type { WalClock, WalLogger, WalObserver, WalOptions } from "./options.ts";
export type { RecoveryReport, RepairAction, TornTail } from "./recovery.ts";
export { type FileLayer, nodeFileLayer } from "./file-layer.ts";
export { FaultFileLayer, FaultFileError } from "./fault-fs.ts";
export type { CrashMode, FaultFsOptions, FaultOp } from "./fault-fs.ts";
export { crc32c, crc32cUpdate } from "./crc32c.ts";
