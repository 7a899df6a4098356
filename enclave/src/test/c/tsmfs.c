/*
 * tsmfs: a stand-in for the Linux configfs-tsm report interface (Documentation/ABI/testing/configfs-tsm,
 * drivers/virt/coco/tsm*.c), as a FUSE file system (libfuse3 high-level API), for Cloister's tests on
 * machines without SEV-SNP or TDX. Mounted on DIR, it serves DIR/report/ as the kernel serves
 * /sys/kernel/config/tsm/report/.
 *
 * What it reproduces of the kernel:
 *  - report/ accepts mkdir (a fresh entry) and rmdir; mkdir fails with ENXIO when no provider is
 *    registered (--no-provider), as tsm_report_make_item does;
 *  - each entry holds inblob (write-only, at most 64 bytes, EFBIG beyond), privlevel (write-only text,
 *    EINVAL outside privlevel_floor..3), privlevel_floor, outblob, auxblob, provider ("NAME\n") and
 *    generation ("%lu\n");
 *  - generation counts writes to inblob and privlevel; a report is generated when outblob or auxblob
 *    is read and none exists for the current generation (the kernel's read_generation cache), so both
 *    blobs come from the same report; a blob is produced at the first read of an open file and the
 *    following reads continue it (configfs's read buffer); reading before inblob was written is EINVAL;
 *  - a provider failure is EIO on the read (--eio), as sev-guest's report_new returns.
 * What it does not: configfs buffers a binary attribute's writes until close, here each write() is
 * committed at once (a client writes inblob in one call either way); the generation counter does not
 * wrap or return EBUSY; no service_provider/manifestblob attributes; attributes are always visible
 * (the kernel hides auxblob and privlevel for providers without them); file modes only, no SELinux.
 *
 * Where a report comes from (one of):
 *  --socket PATH   a Unix socket the test serves. Request: u32 privlevel, u32 inblob length, inblob;
 *                  answer: u32 outblob length, outblob, u32 auxblob length, auxblob (big-endian u32s);
 *  --outblob FILE [--auxblob FILE]  fixed captured bytes, returned byte for byte whatever inblob says.
 * Modes for the failure tests:
 *  --provider NAME     the provider attribute (default sev_guest);
 *  --no-provider       mkdir fails with ENXIO;
 *  --ignore-inblob     asks the socket for a report over 64 zero bytes, not over inblob (a device
 *                      that ignores its input);
 *  --race N            the first N reports are followed by a generation bump, as if another writer
 *                      wrote inblob between our write and our read;
 *  --eio               every report fails with EIO.
 * Usage: tsmfs [options] MOUNTPOINT -f -s   (single-threaded: the state below has no locks)
 */
#define FUSE_USE_VERSION 31
#include <fuse.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>

#define INBLOB_MAX 64
#define MAX_ENTRIES 64

struct entry {
  char name[256];
  int used;
  uint8_t inblob[INBLOB_MAX];
  size_t inblob_len;
  unsigned privlevel;
  unsigned long generation;
  unsigned long read_generation; /* the generation the cached report was made for */
  int has_report;
  uint8_t *outblob, *auxblob;
  size_t outblob_len, auxblob_len;
};

static struct entry entries[MAX_ENTRIES];
static const char *provider = "sev_guest";
static const char *socket_path, *outblob_file, *auxblob_file;
static int no_provider, ignore_inblob, eio;
static long race_left;

static const char *const FILES[] = {"inblob", "outblob", "auxblob", "provider", "generation", "privlevel", "privlevel_floor"};
#define NFILES (sizeof FILES / sizeof *FILES)

static struct entry *find(const char *name, size_t len) {
  for (int i = 0; i < MAX_ENTRIES; i++)
    if (entries[i].used && strlen(entries[i].name) == len && memcmp(entries[i].name, name, len) == 0)
      return &entries[i];
  return NULL;
}

/* Splits "/report/NAME/FILE" into the entry and the file's index; returns 0 root, 1 report dir, 2 entry, 3 file, -1 none. */
static int resolve(const char *path, struct entry **e, int *file) {
  if (strcmp(path, "/") == 0) return 0;
  if (strncmp(path, "/report", 7) != 0 || (path[7] != '\0' && path[7] != '/')) return -1;
  if (path[7] == '\0' || strcmp(path, "/report/") == 0) return 1;
  const char *name = path + 8, *slash = strchr(name, '/');
  *e = find(name, slash ? (size_t)(slash - name) : strlen(name));
  if (!*e) return -1;
  if (!slash) return 2;
  for (size_t i = 0; i < NFILES; i++)
    if (strcmp(slash + 1, FILES[i]) == 0) { *file = (int)i; return 3; }
  return -1;
}

static int read_file(const char *path, uint8_t **buf, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -EIO;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  *buf = malloc(n > 0 ? n : 1);
  *len = fread(*buf, 1, n, f);
  fclose(f);
  return 0;
}

static int full(int fd, void *p, size_t n, int writing) {
  uint8_t *b = p;
  while (n > 0) {
    ssize_t r = writing ? write(fd, b, n) : read(fd, b, n);
    if (r <= 0) return -1;
    b += r;
    n -= (size_t)r;
  }
  return 0;
}

static int recv_blob(int fd, uint8_t **buf, size_t *len) {
  uint32_t n;
  if (full(fd, &n, 4, 0)) return -1;
  *len = ntohl(n);
  *buf = malloc(*len ? *len : 1);
  return full(fd, *buf, *len, 0);
}

/* Asks the test's socket for the report over this entry's inblob (or over zeros, --ignore-inblob). */
static int from_socket(struct entry *e) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strncpy(a.sun_path, socket_path, sizeof a.sun_path - 1);
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    if (fd >= 0) close(fd);
    return -EIO;
  }
  uint8_t zeros[INBLOB_MAX] = {0};
  uint32_t hdr[2] = {htonl(e->privlevel), htonl((uint32_t)(ignore_inblob ? INBLOB_MAX : e->inblob_len))};
  int rc = full(fd, hdr, sizeof hdr, 1) || full(fd, ignore_inblob ? zeros : e->inblob, ignore_inblob ? INBLOB_MAX : e->inblob_len, 1)
      || recv_blob(fd, &e->outblob, &e->outblob_len) || recv_blob(fd, &e->auxblob, &e->auxblob_len);
  close(fd);
  return rc ? -EIO : 0;
}

/* The kernel's tsm_report_read: reuse the report made for this generation, else make one. */
static int generate(struct entry *e) {
  if (e->inblob_len == 0) return -EINVAL;
  if (e->has_report && e->read_generation == e->generation) return 0;
  free(e->outblob);
  free(e->auxblob);
  e->outblob = e->auxblob = NULL;
  e->outblob_len = e->auxblob_len = 0;
  e->has_report = 0;
  if (eio) return -EIO;
  int rc = socket_path ? from_socket(e) : read_file(outblob_file, &e->outblob, &e->outblob_len);
  if (rc == 0 && !socket_path && auxblob_file) rc = read_file(auxblob_file, &e->auxblob, &e->auxblob_len);
  if (rc) return rc;
  e->has_report = 1;
  e->read_generation = e->generation;
  if (race_left > 0) { /* another writer, between the reader's inblob write and its generation check */
    race_left--;
    e->generation++;
  }
  return 0;
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  (void)fi;
  struct entry *e;
  int file;
  memset(st, 0, sizeof *st);
  switch (resolve(path, &e, &file)) {
    case 0: case 1: case 2:
      st->st_mode = S_IFDIR | 0755;
      st->st_nlink = 2;
      return 0;
    case 3:
      st->st_mode = S_IFREG | (strcmp(FILES[file], "inblob") == 0 || strcmp(FILES[file], "privlevel") == 0 ? 0200 : 0444);
      st->st_nlink = 1;
      st->st_size = 4096; /* configfs reports a page; the blobs are read to EOF (direct_io) */
      return 0;
    default:
      return -ENOENT;
  }
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
    enum fuse_readdir_flags flags) {
  (void)off; (void)fi; (void)flags;
  struct entry *e;
  int file;
  int kind = resolve(path, &e, &file);
  fill(buf, ".", NULL, 0, 0);
  fill(buf, "..", NULL, 0, 0);
  if (kind == 0) fill(buf, "report", NULL, 0, 0);
  else if (kind == 1) { for (int i = 0; i < MAX_ENTRIES; i++) if (entries[i].used) fill(buf, entries[i].name, NULL, 0, 0); }
  else if (kind == 2) { for (size_t i = 0; i < NFILES; i++) fill(buf, FILES[i], NULL, 0, 0); }
  else return -ENOTDIR;
  return 0;
}

static int fs_mkdir(const char *path, mode_t mode) {
  (void)mode;
  if (strncmp(path, "/report/", 8) != 0 || strchr(path + 8, '/') || path[8] == '\0') return -EPERM;
  if (find(path + 8, strlen(path + 8))) return -EEXIST;
  if (no_provider) return -ENXIO;
  for (int i = 0; i < MAX_ENTRIES; i++)
    if (!entries[i].used) {
      memset(&entries[i], 0, sizeof entries[i]);
      entries[i].used = 1;
      strncpy(entries[i].name, path + 8, sizeof entries[i].name - 1);
      return 0;
    }
  return -ENOSPC;
}

static int fs_rmdir(const char *path) {
  struct entry *e;
  int file;
  if (resolve(path, &e, &file) != 2) return -ENOENT;
  free(e->outblob);
  free(e->auxblob);
  memset(e, 0, sizeof *e);
  return 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi) {
  struct entry *e;
  int file;
  if (resolve(path, &e, &file) != 3) return -ENOENT;
  fi->direct_io = 1; /* every read reaches fs_read: contents change with generation */
  return 0;
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  (void)size; (void)fi;
  struct entry *e;
  int file;
  return resolve(path, &e, &file) == 3 ? 0 : -ENOENT; /* O_TRUNC on open: nothing to truncate */
}

static int serve(const void *src, size_t len, char *buf, size_t size, off_t off) {
  if ((size_t)off >= len) return 0;
  size_t n = len - (size_t)off < size ? len - (size_t)off : size;
  memcpy(buf, (const uint8_t *)src + off, n);
  return (int)n;
}

static int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)fi;
  struct entry *e;
  int file;
  char text[64];
  if (resolve(path, &e, &file) != 3) return -ENOENT;
  const char *f = FILES[file];
  if (strcmp(f, "provider") == 0) {
    snprintf(text, sizeof text, "%s\n", provider);
    return serve(text, strlen(text), buf, size, off);
  }
  if (strcmp(f, "generation") == 0) {
    snprintf(text, sizeof text, "%lu\n", e->generation);
    return serve(text, strlen(text), buf, size, off);
  }
  if (strcmp(f, "privlevel_floor") == 0) return serve("0\n", 2, buf, size, off);
  if (strcmp(f, "outblob") == 0 || strcmp(f, "auxblob") == 0) {
    /* configfs fills an open file's buffer at its first read and serves the rest from it: only a read
       at offset 0 may make a report, later ones continue the blob already made. */
    int rc = off == 0 || !e->has_report ? generate(e) : 0;
    if (rc) return rc;
    return f[0] == 'o' ? serve(e->outblob, e->outblob_len, buf, size, off) : serve(e->auxblob, e->auxblob_len, buf, size, off);
  }
  return -EACCES; /* inblob and privlevel are write-only */
}

static int fs_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)fi;
  struct entry *e;
  int file;
  if (resolve(path, &e, &file) != 3) return -ENOENT;
  if (strcmp(FILES[file], "inblob") == 0) {
    if ((size_t)off + size > INBLOB_MAX) return -EFBIG;
    memcpy(e->inblob + off, buf, size);
    e->inblob_len = (size_t)off + size;
    e->generation++;
    return (int)size;
  }
  if (strcmp(FILES[file], "privlevel") == 0) {
    char text[16] = {0};
    memcpy(text, buf, size < sizeof text - 1 ? size : sizeof text - 1);
    char *end;
    unsigned long v = strtoul(text, &end, 0);
    if (end == text || (*end != '\0' && *end != '\n') || v > 3) return -EINVAL;
    e->privlevel = (unsigned)v;
    e->generation++;
    return (int)size;
  }
  return -EACCES;
}

static const struct fuse_operations ops = {
    .getattr = fs_getattr,
    .readdir = fs_readdir,
    .mkdir = fs_mkdir,
    .rmdir = fs_rmdir,
    .open = fs_open,
    .truncate = fs_truncate,
    .read = fs_read,
    .write = fs_write,
};

int main(int argc, char *argv[]) {
  /* Our options first; what remains (mount point, -f, -s, -o ...) is libfuse's. */
  char **rest = calloc((size_t)argc + 1, sizeof *rest);
  int n = 0;
  rest[n++] = argv[0];
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) socket_path = argv[++i];
    else if (strcmp(argv[i], "--outblob") == 0 && i + 1 < argc) outblob_file = argv[++i];
    else if (strcmp(argv[i], "--auxblob") == 0 && i + 1 < argc) auxblob_file = argv[++i];
    else if (strcmp(argv[i], "--provider") == 0 && i + 1 < argc) provider = argv[++i];
    else if (strcmp(argv[i], "--race") == 0 && i + 1 < argc) race_left = atol(argv[++i]);
    else if (strcmp(argv[i], "--no-provider") == 0) no_provider = 1;
    else if (strcmp(argv[i], "--ignore-inblob") == 0) ignore_inblob = 1;
    else if (strcmp(argv[i], "--eio") == 0) eio = 1;
    else rest[n++] = argv[i];
  }
  if (!socket_path == !outblob_file) {
    fprintf(stderr, "tsmfs: give exactly one of --socket PATH or --outblob FILE\n");
    return 2;
  }
  return fuse_main(n, rest, &ops, NULL);
}
