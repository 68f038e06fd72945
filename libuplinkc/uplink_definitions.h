// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.
//
// C structs shared by libuplinkc and its callers. The layouts, names and
// error codes match storj.io/uplink-c v1.14 so that C code written against
// uplink-c compiles against libuplinkc unchanged. Additions beyond uplink-c
// live at the end of this file and in uplink_extensions.h.

#ifndef UPLINK_DEFINITIONS_H
#define UPLINK_DEFINITIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"

typedef const char uplink_const_char;

// Opaque handles: integer ids into libuplinkc's handle table, never pointers.
typedef struct UplinkHandle { size_t _handle; } UplinkHandle;
typedef struct UplinkAccess { size_t _handle; } UplinkAccess;
typedef struct UplinkProject { size_t _handle; } UplinkProject;
typedef struct UplinkDownload { size_t _handle; } UplinkDownload;
typedef struct UplinkUpload { size_t _handle; } UplinkUpload;
typedef struct UplinkEncryptionKey { size_t _handle; } UplinkEncryptionKey;
typedef struct UplinkPartUpload { size_t _handle; } UplinkPartUpload;
typedef struct UplinkObjectIterator { size_t _handle; } UplinkObjectIterator;
typedef struct UplinkBucketIterator { size_t _handle; } UplinkBucketIterator;
typedef struct UplinkUploadIterator { size_t _handle; } UplinkUploadIterator;
typedef struct UplinkPartIterator { size_t _handle; } UplinkPartIterator;

typedef struct UplinkConfig {
    const char *user_agent;
    // 0 means the default of 10 seconds; negative means no timeout.
    int32_t dial_timeout_milliseconds;
    // "inmemory" keeps temporary data in memory.
    const char *temp_directory;
} UplinkConfig;

typedef struct UplinkBucket {
    char *name;
    int64_t created;
} UplinkBucket;

// Unix seconds; 0 means unset.
typedef struct UplinkSystemMetadata {
    int64_t created;
    int64_t expires;
    int64_t content_length;
} UplinkSystemMetadata;

typedef struct UplinkCustomMetadataEntry {
    char *key;
    size_t key_length;
    char *value;
    size_t value_length;
} UplinkCustomMetadataEntry;

typedef struct UplinkCustomMetadata {
    UplinkCustomMetadataEntry *entries;
    size_t count;
} UplinkCustomMetadata;

typedef struct UplinkObject {
    char *key;
    bool is_prefix;
    UplinkSystemMetadata system;
    UplinkCustomMetadata custom;
} UplinkObject;

typedef struct UplinkUploadOptions {
    // Unix seconds; 0 or negative means the object never expires.
    int64_t expires;
} UplinkUploadOptions;

typedef struct UplinkDownloadOptions {
    // A negative offset counts back from the end of the object.
    int64_t offset;
    // A negative length reads to the end of the object.
    int64_t length;
} UplinkDownloadOptions;

typedef struct UplinkListObjectsOptions {
    const char *prefix;
    const char *cursor;
    bool recursive;
    bool system;
    bool custom;
} UplinkListObjectsOptions;

typedef struct UplinkListUploadsOptions {
    const char *prefix;
    const char *cursor;
    bool recursive;
    bool system;
    bool custom;
} UplinkListUploadsOptions;

typedef struct UplinkListBucketsOptions {
    const char *cursor;
} UplinkListBucketsOptions;

typedef struct UplinkPermission {
    bool allow_download;
    bool allow_upload;
    bool allow_list;
    bool allow_delete;
    // Unix seconds; 0 disables the bound.
    int64_t not_before;
    int64_t not_after;
} UplinkPermission;

typedef struct UplinkPart {
    uint32_t part_number;
    size_t size;
    int64_t modified;
    char *etag;
    size_t etag_length;
} UplinkPart;

typedef struct UplinkSharePrefix {
    const char *bucket;
    // A prefix is an object key prefix; "" shares the whole bucket.
    const char *prefix;
} UplinkSharePrefix;

typedef struct UplinkError {
    int32_t code;
    char *message;
} UplinkError;

#define UPLINK_ERROR_INTERNAL 0x02
#define UPLINK_ERROR_CANCELED 0x03
#define UPLINK_ERROR_INVALID_HANDLE 0x04
#define UPLINK_ERROR_TOO_MANY_REQUESTS 0x05
#define UPLINK_ERROR_BANDWIDTH_LIMIT_EXCEEDED 0x06
#define UPLINK_ERROR_STORAGE_LIMIT_EXCEEDED 0x07
#define UPLINK_ERROR_SEGMENTS_LIMIT_EXCEEDED 0x08
#define UPLINK_ERROR_PERMISSION_DENIED 0x09

#define UPLINK_ERROR_BUCKET_NAME_INVALID 0x10
#define UPLINK_ERROR_BUCKET_ALREADY_EXISTS 0x11
#define UPLINK_ERROR_BUCKET_NOT_EMPTY 0x12
#define UPLINK_ERROR_BUCKET_NOT_FOUND 0x13

#define UPLINK_ERROR_OBJECT_KEY_INVALID 0x20
#define UPLINK_ERROR_OBJECT_NOT_FOUND 0x21
#define UPLINK_ERROR_UPLOAD_DONE 0x22

#define EDGE_ERROR_AUTH_DIAL_FAILED 0x30
#define EDGE_ERROR_REGISTER_ACCESS_FAILED 0x31

typedef struct UplinkAccessResult {
    UplinkAccess *access;
    UplinkError *error;
} UplinkAccessResult;

typedef struct UplinkProjectResult {
    UplinkProject *project;
    UplinkError *error;
} UplinkProjectResult;

typedef struct UplinkBucketResult {
    UplinkBucket *bucket;
    UplinkError *error;
} UplinkBucketResult;

typedef struct UplinkObjectResult {
    UplinkObject *object;
    UplinkError *error;
} UplinkObjectResult;

typedef struct UplinkUploadResult {
    UplinkUpload *upload;
    UplinkError *error;
} UplinkUploadResult;

typedef struct UplinkPartUploadResult {
    UplinkPartUpload *part_upload;
    UplinkError *error;
} UplinkPartUploadResult;

typedef struct UplinkDownloadResult {
    UplinkDownload *download;
    UplinkError *error;
} UplinkDownloadResult;

typedef struct UplinkWriteResult {
    size_t bytes_written;
    UplinkError *error;
} UplinkWriteResult;

typedef struct UplinkReadResult {
    size_t bytes_read;
    UplinkError *error;
} UplinkReadResult;

typedef struct UplinkStringResult {
    char *string;
    UplinkError *error;
} UplinkStringResult;

typedef struct UplinkEncryptionKeyResult {
    UplinkEncryptionKey *encryption_key;
    UplinkError *error;
} UplinkEncryptionKeyResult;

typedef struct UplinkUploadInfo {
    char *upload_id;
    char *key;
    bool is_prefix;
    UplinkSystemMetadata system;
    UplinkCustomMetadata custom;
} UplinkUploadInfo;

typedef struct UplinkUploadInfoResult {
    UplinkUploadInfo *info;
    UplinkError *error;
} UplinkUploadInfoResult;

typedef struct UplinkCommitUploadOptions {
    UplinkCustomMetadata custom_metadata;
} UplinkCommitUploadOptions;

typedef struct UplinkCommitUploadResult {
    UplinkObject *object;
    UplinkError *error;
} UplinkCommitUploadResult;

typedef struct UplinkPartResult {
    UplinkPart *part;
    UplinkError *error;
} UplinkPartResult;

typedef struct UplinkListUploadPartsOptions {
    uint32_t cursor;
} UplinkListUploadPartsOptions;

// Placeholders kept for ABI compatibility with uplink-c.
typedef struct UplinkMoveObjectOptions {
} UplinkMoveObjectOptions;

typedef struct UplinkUploadObjectMetadataOptions {
} UplinkUploadObjectMetadataOptions;

typedef struct UplinkCopyObjectOptions {
} UplinkCopyObjectOptions;

// Edge services (S3 gateway credentials and linkshare URLs).
typedef struct EdgeConfig {
    // For example "auth.us1.storjshare.io:7777".
    const char *auth_service_address;
    // PEM of the certificate authority; NULL uses the system roots.
    const char *certificate_pem;
    // Dial the auth service without TLS (tests only).
    bool insecure_unencrypted_connection;
} EdgeConfig;

typedef struct EdgeRegisterAccessOptions {
    bool is_public;
} EdgeRegisterAccessOptions;

typedef struct EdgeCredentials {
    const char *access_key_id;
    const char *secret_key;
    const char *endpoint;
} EdgeCredentials;

typedef struct EdgeCredentialsResult {
    EdgeCredentials *credentials;
    UplinkError *error;
} EdgeCredentialsResult;

typedef struct EdgeShareURLOptions {
    // Serve the object itself rather than a landing page.
    bool raw;
} EdgeShareURLOptions;

#pragma GCC diagnostic pop

#endif
