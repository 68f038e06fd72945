// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.
//
// Structs for what libuplinkc offers beyond storj.io/uplink-c: the full Go
// permission set, bucket versioning, object versions, Object Lock, bulk
// delete, conditional uploads and cancellation. Nothing here changes an
// uplink-c signature; every function is new.

#ifndef UPLINK_EXTENSIONS_H
#define UPLINK_EXTENSIONS_H

#include "uplink_definitions.h"

// Error codes beyond uplink-c's (uplink-c reports these as INTERNAL).
#define UPLINK_ERROR_FAILED_PRECONDITION 0x80
#define UPLINK_ERROR_OBJECT_PROTECTED 0x81
#define UPLINK_ERROR_OBJECT_LOCK_NOT_AVAILABLE 0x82
#define UPLINK_ERROR_METHOD_NOT_ALLOWED 0x83
// A call ran out of time: the dial timeout, the request timeout or the
// stall timeout (see UplinkConfigTimeouts). Never reported as CANCELED.
#define UPLINK_ERROR_TIMEOUT 0x84
// The satellite could not find enough storage nodes for an upload (uplink-c
// reports this as INTERNAL; FAILED_PRECONDITION stays for if_none_match).
#define UPLINK_ERROR_NOT_ENOUGH_NODES 0x85
// The caller passed an argument the library or the satellite refuses: an
// expiry in the past, an empty permission, a range past the end, a key or
// metadata too large (uplink-c reports these as INTERNAL).
#define UPLINK_ERROR_INVALID_ARGUMENT 0x86
// A signal arrived while the call ran on the thread that watches for
// signals (uplink_interrupt_watch); the call was cancelled.
#define UPLINK_ERROR_INTERRUPTED 0x87

// Object Lock retention modes (storj.RetentionMode).
#define UPLINK_RETENTION_NONE 0
#define UPLINK_RETENTION_COMPLIANCE 1
#define UPLINK_RETENTION_GOVERNANCE 2

// Bucket versioning states, as the satellite reports them.
#define UPLINK_VERSIONING_UNSUPPORTED 0
#define UPLINK_VERSIONING_UNVERSIONED 1
#define UPLINK_VERSIONING_ENABLED 2
#define UPLINK_VERSIONING_SUSPENDED 3

// Outcomes of one item of uplink_delete_objects (storj.DeleteObjectsStatus).
#define UPLINK_DELETE_STATUS_INTERNAL_ERROR 0
#define UPLINK_DELETE_STATUS_UNAUTHORIZED 1
#define UPLINK_DELETE_STATUS_NOT_FOUND 2
#define UPLINK_DELETE_STATUS_OK 3
#define UPLINK_DELETE_STATUS_LOCKED 4

// Bounds beyond UplinkConfig.dial_timeout_milliseconds (which bounds the
// whole connection set-up: TCP connect and the peer's first answer; 0 means
// 10 s, negative means none). Here 0 means the default, negative means no
// bound. Give it to uplink_config_open_project2 or
// uplink_config_request_access_with_passphrase2; everything a project
// starts inherits its bounds.
typedef struct UplinkConfigTimeouts {
    // One satellite request, Go's retries included (default 30 s).
    int64_t request_timeout_milliseconds;
    // A download read, upload write or commit, or a part upload's, fails
    // when the project's connections move no byte for this long (default
    // 60 s; Go's own bound is 10 minutes per message).
    int64_t stall_timeout_milliseconds;
} UplinkConfigTimeouts;

// Bounds of edge_register_access2; 0 means the default, negative no bound.
typedef struct EdgeConfigTimeouts {
    // Opening the connection to the auth service: TCP connect and its first
    // answer (the TLS handshake's, or the registration's without TLS);
    // default 20 s.
    int64_t dial_timeout_milliseconds;
    // The whole registration, dial included (default 2 minutes).
    int64_t request_timeout_milliseconds;
} EdgeConfigTimeouts;

// The whole of Go uplink's Permission.
typedef struct UplinkPermissionV2 {
    bool allow_download;
    bool allow_upload;
    bool allow_list;
    bool allow_delete;
    bool allow_put_object_retention;
    bool allow_get_object_retention;
    bool allow_put_object_legal_hold;
    bool allow_get_object_legal_hold;
    bool allow_bypass_governance_retention;
    bool allow_put_bucket_object_lock_configuration;
    bool allow_get_bucket_object_lock_configuration;
    // Unix seconds; 0 disables the bound.
    int64_t not_before;
    int64_t not_after;
    // Longest lifetime of objects uploaded with the access, in seconds;
    // 0 means no limit.
    int64_t max_object_ttl_seconds;
} UplinkPermissionV2;

typedef struct UplinkRetention {
    int32_t mode;           // UPLINK_RETENTION_*
    int64_t retain_until;   // unix seconds
} UplinkRetention;

typedef struct UplinkRetentionResult {
    UplinkRetention *retention;
    UplinkError *error;
} UplinkRetentionResult;

typedef struct UplinkBoolResult {
    bool value;
    UplinkError *error;
} UplinkBoolResult;

typedef struct UplinkInt32Result {
    int32_t value;
    UplinkError *error;
} UplinkInt32Result;

// When the API key of an access is valid (uplink_access_time_bounds): the
// latest not_before and the earliest not_after of its caveats, in unix
// seconds; 0 when no caveat sets the bound.
typedef struct UplinkAccessTimeBoundsResult {
    int64_t not_before;
    int64_t not_after;
    UplinkError *error;
} UplinkAccessTimeBoundsResult;

typedef struct UplinkObjectLockConfiguration {
    bool enabled;
    // Default retention for new objects; mode UPLINK_RETENTION_NONE when none.
    // At most one of days and years is non-zero.
    int32_t default_retention_mode;
    int32_t default_retention_days;
    int32_t default_retention_years;
} UplinkObjectLockConfiguration;

typedef struct UplinkObjectLockConfigurationResult {
    UplinkObjectLockConfiguration *configuration;
    UplinkError *error;
} UplinkObjectLockConfigurationResult;

// An object together with its version and lock state. The first members
// have the layout of UplinkObject.
typedef struct UplinkVersionedObject {
    char *key;
    bool is_prefix;
    UplinkSystemMetadata system;
    UplinkCustomMetadata custom;
    // Opaque version id bytes.
    uint8_t *version;
    size_t version_length;
    bool is_versioned;
    bool is_delete_marker;
    bool is_latest;
    // -1 unknown, 0 off, 1 on.
    int32_t legal_hold;
    UplinkRetention retention;
} UplinkVersionedObject;

typedef struct UplinkVersionedObjectResult {
    UplinkVersionedObject *object;
    UplinkError *error;
} UplinkVersionedObjectResult;

typedef struct UplinkVersionedObjectIterator { size_t _handle; } UplinkVersionedObjectIterator;

typedef struct UplinkListObjectVersionsOptions {
    const char *prefix;
    const char *cursor;
    uint8_t *version_cursor;
    size_t version_cursor_length;
    bool recursive;
    bool system;
    bool custom;
} UplinkListObjectVersionsOptions;

typedef struct UplinkUploadOptionsV2 {
    // Unix seconds; 0 or negative means the object never expires.
    int64_t expires;
    UplinkRetention retention;
    bool legal_hold;
    // "*" fails the upload when the key already exists; NULL or "" does not.
    const char *if_none_match;
} UplinkUploadOptionsV2;

typedef struct UplinkDeleteObjectOptions {
    bool bypass_governance_retention;
} UplinkDeleteObjectOptions;

typedef struct UplinkDeleteObjectsItem {
    const char *key;
    // NULL / 0 deletes the latest version.
    uint8_t *version;
    size_t version_length;
} UplinkDeleteObjectsItem;

typedef struct UplinkDeleteObjectsOptions {
    bool bypass_governance_retention;
    bool quiet;
} UplinkDeleteObjectsOptions;

typedef struct UplinkDeleteObjectsResultItem {
    char *key;
    uint8_t *requested_version;
    size_t requested_version_length;
    int32_t status;  // UPLINK_DELETE_STATUS_*
    // Set when a version was removed.
    bool removed;
    uint8_t *removed_version;
    size_t removed_version_length;
    // Set when a delete marker was inserted.
    bool marker_inserted;
    uint8_t *marker_version;
    size_t marker_version_length;
} UplinkDeleteObjectsResultItem;

typedef struct UplinkDeleteObjectsResult {
    UplinkDeleteObjectsResultItem *items;
    size_t count;
    UplinkError *error;
} UplinkDeleteObjectsResult;

// The kind of the items of a listing page (uplink_iterator_next_page).
#define UPLINK_ITEM_NONE 0
#define UPLINK_ITEM_OBJECT 1              // UplinkObject*
#define UPLINK_ITEM_BUCKET 2              // UplinkBucket*
#define UPLINK_ITEM_UPLOAD_INFO 3         // UplinkUploadInfo*
#define UPLINK_ITEM_PART 4                // UplinkPart*
#define UPLINK_ITEM_VERSIONED_OBJECT 5    // UplinkVersionedObject*

// One page of a listing: count items of the kind, in listing order. more
// is false once the listing has ended; error is then its error, if any.
typedef struct UplinkListPageResult {
    int32_t kind;    // UPLINK_ITEM_*
    void **items;
    size_t count;
    bool more;
    UplinkError *error;
} UplinkListPageResult;

// The bytes of uplink_get_object, in C memory; freed by uplink_free_bytes_result.
typedef struct UplinkBytesResult {
    void *data;
    size_t length;
    UplinkError *error;
} UplinkBytesResult;

#endif
