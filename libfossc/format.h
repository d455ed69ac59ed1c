/*
** On-disk layout constants shared by writer.c and reader.c. The normative
** description is docs/index-format.md: change both together and bump
** FOSSC_FORMAT_VERSION on any incompatible change.
*/
#ifndef FOSSC_FORMAT_H
#define FOSSC_FORMAT_H

#include "common.h"

#define FOSSC_HEADER_BYTES 64
#define FOSSC_SECTION_ENTRY_BYTES 32
/* The writer emits at most this many sections; the reader refuses more. */
#define FOSSC_MAX_SECTIONS 32
/* Sections start on 8-byte boundaries so fixed-size records can be read in
** place from the mapping. */
#define FOSSC_SECTION_ALIGN 8

/* Section names: 8 bytes, NUL-padded. */
#define FOSSC_SEC_META "META"   /* fossc_meta, fixed fields */
#define FOSSC_SEC_TERMS "TERMS" /* term entries, sorted by term bytes */
#define FOSSC_SEC_TSTR "TSTR"   /* term strings */
#define FOSSC_SEC_POSTS "POSTS" /* postings lists */
#define FOSSC_SEC_WORDS "WORDS" /* word entries: plain form -> term */
#define FOSSC_SEC_WSTR "WSTR"   /* word strings */
#define FOSSC_SEC_NORMS "NORMS" /* per document: lengths, language */
#define FOSSC_SEC_DDOC "DDOC"   /* per document: where its fields and body are */
#define FOSSC_SEC_FBLK "FBLK"   /* field store block index */
#define FOSSC_SEC_FLDS "FLDS"   /* raw blocks of id, title, source, lang */
#define FOSSC_SEC_DBLK "DBLK"   /* body store block index */
#define FOSSC_SEC_DOCS "DOCS"   /* zstd (or raw) blocks of bodies */
#define FOSSC_SEC_IDS "IDS"     /* (XXH3(id), docnum) sorted */
#define FOSSC_SEC_TRANS "TRANS" /* optional: translation lexicon (lexicon.h) */

/* META: little-endian fields at these offsets. */
#define FOSSC_META_BYTES 128
/* u32 doc_count @0, u32 term_count @4, u32 word_count @8, u32 block_docs @12,
** u64 title_tokens @16, u64 body_tokens @24, u32 store_blocks @32,
** u32 docs_en @36, u32 docs_es @40, f32 k1 @44, f32 w_title @48,
** f32 b_title @52, f32 w_body @56, f32 b_body @60, u32 field_blocks @64,
** zeros to 128 (reserved) */

#define FOSSC_TERM_ENTRY_BYTES 13
/* u32 str_off @0, u32 df @4, u40 post_off @8 (1 TiB of postings). TERMS
** holds term_count + 1 entries: the last one is a sentinel (str_off = TSTR
** length, df 0, post_off = POSTS length), so that a term's string length
** and postings length are the next entry's offset minus its own. */
#define FOSSC_TERM_OFF_BYTES 5
/* Longest term or word string a reader accepts: what a v1 u8 length field
** could hold, which code that copies strings may rely on (the writer emits
** at most FOSSC_MAX_WORD_BYTES). */
#define FOSSC_MAX_STR_BYTES 255
#define FOSSC_WORD_ENTRY_BYTES 8
/* u32 str_off @0 (of a WSTR record: u8 length 1..255, then the bytes),
** u32 term @4 (index into TERMS). Sorted by (string, term); one entry per
** distinct pair; entries of one word share its WSTR record. */
#define FOSSC_NORM_ENTRY_BYTES 8
/* u32 body_len @0, u16 title_len @4 (capped at 65535), u8 lang @6, u8 0 */
#define FOSSC_DBLK_ENTRY_BYTES 16
/* u64 offset in DOCS @0, u32 compressed length @8, u32 raw length @12;
** compressed length == raw length means the block is stored raw */
#define FOSSC_DDOC_ENTRY_BYTES 16
/* u32 field block @0, u32 offset in it @4, u32 body block @8, u32 offset
** in it @12. A field record: varint-prefixed id, title, source, then a
** u8 language; a body record: varint-prefixed body. */
#define FOSSC_IDS_ENTRY_BYTES 12
/* u64 XXH3_64bits(id) @0, u32 docnum @8 */

/* Postings list of one term (docs/index-format.md, "Postings list"):
** varint head = block_count << 1 | (block_count == 1 ? flags : 0), then
** - one block ("short form", most terms): u8 block max quantized to
**   FOSSC_SHORT_MAX_SCALE (rounded up), varint last document, the body;
** - two or more ("long form"): block_count headers of
**   FOSSC_BLOCK_HDR_BYTES, then the block bodies back to back. */
#define FOSSC_BLOCK_HDR_BYTES 14
/* u32 last_doc @0, u32 body_end @4 (offset just past this block's body,
** relative to the first body byte), f32 max_w @8 (see docs: the largest
** BM25F tf saturation of the block), u8 ndocs-1 @12, u8 flags @13 */
/* The short form's block max is a byte q with q / 255 >= the block's
** largest saturation (which is < 1): a bound within 0.4%, one byte instead
** of four on the ~200,000 lists of one block. */
#define FOSSC_SHORT_MAX_SCALE 255.0f
#define FOSSC_BLOCK_ZSTD 0x01
/* Bodies shorter than this stay raw: a zstd frame costs ~10 bytes of
** overhead and cannot win on tiny inputs. */
#define FOSSC_BLOCK_MIN_COMPRESS 96
/* Whether the writer zstd-compresses positions regions (readers accept
** both, by the block's flag). Off: on the medium corpus zstd saved 1.65 MB
** of 27.6 MB of postings but every phrase or proximity check decompressed
** a whole region; without it phrase queries run 38% fewer instructions,
** two-word AND 24% (docs/performance.md). */
/* Position skips (format 3): a block of more than FOSSC_POS_SKIP_DOCS
** documents whose positions take FOSSC_POS_SKIP_MIN_BYTES or more ends with
** a table giving where the positions of documents 16, 32, ... start in its
** (decoded) positions region, so that reading one document's positions
** skips at most 15 documents' worth instead of up to 127: in a cache
** simulation that skipping was the largest source of misses of phrase
** queries. Below 128 bytes the region is two cache lines and the table
** would cost more than it saves. Entries are u16 when the region is raw and
** at most 65,535 bytes, else u32. The reader tells all this from the
** block's document count, its flags and its body's length (postings.h
** fossc_pos_skip_*): no flag, and no pass over the frequencies. */
#define FOSSC_POS_SKIP_DOCS 16
#define FOSSC_POS_SKIP_MIN_BYTES 128
#define FOSSC_POS_SKIP_U16_BYTES 65535u
#ifndef FOSSC_COMPRESS_POSITIONS
#define FOSSC_COMPRESS_POSITIONS 0
#endif

/* Document store: records are packed into raw blocks of about this size
** before compression: big enough for zstd to find redundancy, small enough
** that fetching one document for a snippet stays cheap. */
#define FOSSC_STORE_BLOCK_BYTES (32u << 10)
/* Largest raw store block a reader accepts: a block holds whole records,
** so one document's body (up to 64 MiB, FOSSC_MAX_RECORD_BYTES) plus the
** block it started in. */
#define FOSSC_MAX_STORE_RAW (FOSSC_STORE_BLOCK_BYTES + (64u << 20))
/* Field blocks are small and stored raw: a result page reads ten of them
** and pays no decompression. */
#define FOSSC_FIELDS_BLOCK_BYTES (4u << 10)

/* BM25F parameters, stored in META and used for the block maxima. */
#define FOSSC_BM25_K1 1.2f
#define FOSSC_BM25_W_TITLE 2.5f
#define FOSSC_BM25_B_TITLE 0.3f
#define FOSSC_BM25_W_BODY 1.0f
#define FOSSC_BM25_B_BODY 0.75f

#endif
