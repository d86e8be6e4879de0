/*
 * segvit's optional native GEMM: OpenBLAS sgemm called directly on the wasm backend's heap.
 *
 * The wasm heap (a WebAssembly.Memory) is an ordinary ArrayBuffer to Node, so its bytes can be handed to OpenBLAS
 * without a copy: JS passes the heap's Uint8Array and byte offsets of A, B, C (and an optional bias); nothing here
 * allocates on that heap, so the views stay valid for the whole call.
 *
 * Exports:
 *   sgemmBatched(heap, batch, m, n, k, transA, transB, aOff, aStride, bOff, bStride, cOff, cStride,
 *                biasOff, activation, alpha)
 *     C[i] = act(op(A[i]) · op(B[i]) + bias) for i < batch, row-major; strides are in elements (0 broadcasts one
 *     matrix over the batch); biasOff < 0 means no bias, else a [n] vector; activation 0 linear, 1 relu, 2 relu6,
 *     3 leaky relu (slope alpha), 4 sigmoid, 5 elu.
 *   conv2d(heap, batch, height, width, inChannels, kernelH, kernelW, outChannels, outH, outW, strideH, strideW,
 *          dilationH, dilationW, padTop, padLeft, xOff, wOff, yOff)
 *     y = conv(x, w) for NHWC x [batch, height, width, in], w [kernelH, kernelW, in, out] (tfjs's layout;
 *     read as a [kernelH·kernelW·in, out] matrix it is the GEMM's B) and y [batch, outH, outW, out]; pixels outside
 *     x (the padding) are zeros. Output rows are made in tiles: im2col into a private buffer, then one sgemm per
 *     tile, tiles split over threads. A 1x1 stride-1 unpadded conv is one sgemm on x itself.
 *   conv2dFilterGrad(heap, <the same 15 sizes>, xOff, dyOff, dwOff)
 *     dw = patches(x)ᵀ · dy, the filter gradient of that conv ([kernelH·kernelW·in, out], tfjs's filter layout),
 *     from the same im2col tiles; each thread sums its tiles into its own dw, then the partial sums are added.
 *   threads() -> the number of threads used.
 *
 * Many small products (window attention: ~1000 products of 49x32x49) are split over threads by batch, each product
 * single-threaded; large ones are left to OpenBLAS's own threading.
 */
#include <node_api.h>
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 64
/* Below this many multiply-adds per product, batches are split across threads instead... */
#define SMALL_PRODUCT (128.0 * 128.0 * 128.0)
/* ...when the whole batch is worth a thread start (~20 us). */
#define THREADED_BATCH (1 << 22)
/*
 * Below this many multiply-adds in all, OpenBLAS runs on one thread. Its idle workers spin for a while after each
 * call, taking the second core from the JS thread between the many small products of a small model (a small
 * Swin + UPerNet training step: 178 ms with two threads, 162 ms with one).
 */
#define THREADED_PRODUCT (1 << 24)

typedef struct {
  float *heap;
  int64_t m, n, k;
  int trans_a, trans_b;
  int64_t a_off, a_stride, b_off, b_stride, c_off, c_stride, bias_off;
  int activation;
  float alpha;
} Gemm;

typedef struct {
  const Gemm *g;
  int64_t from, to;
} Range;

static int thread_count = 1;
static int blas_threads = 0;

static void use_blas_threads(int n) {
  if (n != blas_threads) openblas_set_num_threads(n);
  blas_threads = n;
}

static void activate(float *c, int64_t count, int activation, float alpha) {
  switch (activation) {
    case 1: for (int64_t i = 0; i < count; i++) c[i] = c[i] > 0 ? c[i] : 0; break;
    case 2: for (int64_t i = 0; i < count; i++) c[i] = c[i] < 0 ? 0 : (c[i] > 6 ? 6 : c[i]); break;
    case 3: for (int64_t i = 0; i < count; i++) c[i] = c[i] < 0 ? alpha * c[i] : c[i]; break;
    case 4: for (int64_t i = 0; i < count; i++) c[i] = 1.0f / (1.0f + expf(-c[i])); break;
    case 5: for (int64_t i = 0; i < count; i++) c[i] = c[i] < 0 ? expm1f(c[i]) : c[i]; break;
    default: break;
  }
}

/* c = act(op(a) op(b) + bias) for row-major a, b, c; bias may be NULL. */
static void gemm_rows(const float *a, const float *b, float *c, int64_t m, int64_t n, int64_t k, int trans_a,
                      int trans_b, const float *bias, int activation, float alpha) {
  float beta = 0.0f;
  if (bias) {
    for (int64_t r = 0; r < m; r++) memcpy(c + r * n, bias, (size_t)n * sizeof(float));
    beta = 1.0f;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, (int)m,
              (int)n, (int)k, 1.0f, a, (int)(trans_a ? m : k), b, (int)(trans_b ? k : n), beta, c, (int)n);
  activate(c, m * n, activation, alpha);
}

/* One product C[i] = op(A[i]) op(B[i]) (+ bias, activation). */
static void gemm_one(const Gemm *g, int64_t i) {
  gemm_rows(g->heap + g->a_off + i * g->a_stride, g->heap + g->b_off + i * g->b_stride,
            g->heap + g->c_off + i * g->c_stride, g->m, g->n, g->k, g->trans_a, g->trans_b,
            g->bias_off >= 0 ? g->heap + g->bias_off : NULL, g->activation, g->alpha);
}

static void *run_range(void *arg) {
  const Range *r = (const Range *)arg;
  for (int64_t i = r->from; i < r->to; i++) gemm_one(r->g, i);
  return NULL;
}

static void run_batched(const Gemm *g, int64_t batch) {
  const double work = (double)g->m * (double)g->n * (double)g->k;
  int threads = thread_count;
  use_blas_threads(work * (double)batch < THREADED_PRODUCT ? 1 : thread_count);
  if (batch < 2 || work >= SMALL_PRODUCT || work * (double)batch < THREADED_BATCH || threads < 2) {
    for (int64_t i = 0; i < batch; i++) gemm_one(g, i);
    return;
  }
  if (threads > batch) threads = (int)batch;
  pthread_t ids[MAX_THREADS];
  Range ranges[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  const int64_t per = (batch + threads - 1) / threads;
  for (int t = 0; t < threads; t++) {
    ranges[t].g = g;
    ranges[t].from = t * per;
    ranges[t].to = (t + 1) * per < batch ? (t + 1) * per : batch;
  }
  /* Thread 0's share runs on the calling thread; a thread that cannot start runs its share here too. */
  for (int t = 1; t < threads; t++) started[t] = pthread_create(&ids[t], NULL, run_range, &ranges[t]) == 0;
  run_range(&ranges[0]);
  for (int t = 1; t < threads; t++) {
    if (started[t]) pthread_join(ids[t], NULL);
    else run_range(&ranges[t]);
  }
}

/* ---- conv2d: im2col tiles + sgemm ---- */

/* Floats of patch matrix per tile (16 MB), so a tile stays in cache-friendly, bounded memory. */
#define TILE_FLOATS (1 << 22)

typedef struct {
  float *heap;
  int64_t batch, h, w, cin, kh, kw, cout, oh, ow, sh, sw, dh, dw, pad_top, pad_left;
  /* conv2d: w is the filter, y the output. conv2dFilterGrad: w is the filter gradient, y the output gradient. */
  int64_t x_off, w_off, y_off;
  int filter_grad;
  int64_t tile;  /* output pixels per tile */
  int64_t tiles;
} Conv;

typedef struct {
  const Conv *c;
  int64_t from, to; /* tile indices */
  float *dw;        /* filter gradient: where this range sums its tiles (K x out) */
} ConvRange;

/* Patch rows of output pixels [p0, p0 + rows) into buf [rows, kh*kw*cin], zeros outside the input. */
static void im2col(const Conv *c, int64_t p0, int64_t rows, float *buf) {
  const float *x = c->heap + c->x_off;
  const int64_t k = c->kh * c->kw * c->cin;
  const size_t bytes = (size_t)c->cin * sizeof(float);
  for (int64_t r = 0; r < rows; r++) {
    const int64_t p = p0 + r;
    const int64_t b = p / (c->oh * c->ow), oy = (p / c->ow) % c->oh, ox = p % c->ow;
    for (int64_t i = 0; i < c->kh; i++) {
      const int64_t y = oy * c->sh + i * c->dh - c->pad_top;
      for (int64_t j = 0; j < c->kw; j++) {
        const int64_t xx = ox * c->sw + j * c->dw - c->pad_left;
        float *dst = buf + r * k + (i * c->kw + j) * c->cin;
        if (y < 0 || y >= c->h || xx < 0 || xx >= c->w) memset(dst, 0, bytes);
        else memcpy(dst, x + ((b * c->h + y) * c->w + xx) * c->cin, bytes);
      }
    }
  }
}

static void *conv_range(void *arg) {
  const ConvRange *r = (const ConvRange *)arg;
  const Conv *c = r->c;
  const int64_t pixels = c->batch * c->oh * c->ow;
  const int64_t k = c->kh * c->kw * c->cin;
  float *buf = (float *)malloc((size_t)(c->tile * k) * sizeof(float));
  if (!buf) return (void *)1;
  for (int64_t t = r->from; t < r->to; t++) {
    const int64_t p0 = t * c->tile;
    const int64_t rows = p0 + c->tile < pixels ? c->tile : pixels - p0;
    float *y = c->heap + c->y_off + p0 * c->cout;
    im2col(c, p0, rows, buf);
    if (c->filter_grad) {
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)c->cout, (int)rows, 1.0f, buf, (int)k, y,
                  (int)c->cout, t == r->from ? 0.0f : 1.0f, r->dw, (int)c->cout);
    } else {
      gemm_rows(buf, c->heap + c->w_off, y, rows, c->cout, k, 0, 0, NULL, 0, 0);
    }
  }
  free(buf);
  return NULL;
}

/* Returns 0, or 1 when a patch buffer could not be allocated. */
static int run_conv(Conv *c) {
  const int64_t pixels = c->batch * c->oh * c->ow;
  const int64_t k = c->kh * c->kw * c->cin;
  const double work = (double)pixels * (double)k * (double)c->cout;
  const int pointwise = c->kh == 1 && c->kw == 1 && c->sh == 1 && c->sw == 1 && c->pad_top == 0 &&
                        c->pad_left == 0 && c->oh == c->h && c->ow == c->w;
  if (pointwise) {
    use_blas_threads(work < THREADED_PRODUCT ? 1 : thread_count);
    const float *x = c->heap + c->x_off;
    float *w = c->heap + c->w_off, *y = c->heap + c->y_off;
    if (c->filter_grad) gemm_rows(x, y, w, k, c->cout, pixels, 1, 0, NULL, 0, 0);
    else gemm_rows(x, w, y, pixels, c->cout, k, 0, 0, NULL, 0, 0);
    return 0;
  }
  c->tile = TILE_FLOATS / k < 1 ? 1 : TILE_FLOATS / k;
  if (c->tile > pixels) c->tile = pixels;
  c->tiles = (pixels + c->tile - 1) / c->tile;
  int threads = thread_count;
  if (work < THREADED_BATCH) threads = 1;
  if (threads > 1 && c->tiles < threads) {
    /* Too few tiles to share: split the pixels evenly instead. */
    c->tile = (pixels + threads - 1) / threads;
    c->tiles = (pixels + c->tile - 1) / c->tile;
  }
  if (threads > c->tiles) threads = (int)c->tiles;
  use_blas_threads(1);
  float *dw = c->heap + c->w_off;
  if (threads < 2) {
    ConvRange all = {c, 0, c->tiles, dw};
    return conv_range(&all) != NULL;
  }
  pthread_t ids[MAX_THREADS];
  ConvRange ranges[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  int failed = 0;
  const int64_t per = (c->tiles + threads - 1) / threads;
  for (int t = 0; t < threads; t++) {
    ranges[t].c = c;
    ranges[t].from = t * per < c->tiles ? t * per : c->tiles;
    ranges[t].to = (t + 1) * per < c->tiles ? (t + 1) * per : c->tiles;
    /* Thread 0 sums into dw itself, the others into their own buffers, added below. */
    ranges[t].dw = t == 0 || !c->filter_grad ? dw : (float *)calloc((size_t)(k * c->cout), sizeof(float));
    failed |= ranges[t].dw == NULL;
  }
  for (int t = 1; t < threads && !failed; t++) started[t] = pthread_create(&ids[t], NULL, conv_range, &ranges[t]) == 0;
  if (!failed) failed |= conv_range(&ranges[0]) != NULL;
  for (int t = 1; t < threads; t++) {
    void *result = NULL;
    if (started[t]) pthread_join(ids[t], &result);
    else if (!failed) result = conv_range(&ranges[t]);
    failed |= result != NULL;
  }
  for (int t = 1; t < threads && c->filter_grad; t++) {
    if (!failed && ranges[t].from < ranges[t].to) for (int64_t i = 0; i < k * c->cout; i++) dw[i] += ranges[t].dw[i];
    free(ranges[t].dw);
  }
  return failed;
}

/*
 * The arguments of a call: argv[0] must be the wasm heap (a Uint8Array), the rest integers, except the last when
 * `alpha` is wanted (a double). Returns the heap as floats and its length in floats, or NULL after throwing.
 */
static float *read_args(napi_env env, napi_callback_info info, const char *name, size_t expected, int64_t *ints,
                        double *alpha, int64_t *floats) {
  napi_value argv[32];
  size_t argc = 32;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != expected) {
    char message[96];
    snprintf(message, sizeof message, "%s expects %zu arguments", name, expected);
    napi_throw_error(env, NULL, message);
    return NULL;
  }
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  napi_value buffer;
  size_t byte_offset = 0;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &byte_offset) != napi_ok ||
      type != napi_uint8_array) {
    char message[96];
    snprintf(message, sizeof message, "%s: the first argument must be the wasm heap (Uint8Array)", name);
    napi_throw_type_error(env, NULL, message);
    return NULL;
  }
  const size_t count = alpha ? expected - 1 : expected;
  for (size_t i = 1; i < count; i++) napi_get_value_int64(env, argv[i], &ints[i - 1]);
  if (alpha) napi_get_value_double(env, argv[expected - 1], alpha);
  *floats = (int64_t)(length / 4);
  return (float *)data;
}

/* Offsets arrive in bytes (wasm pointers); the heap is float-aligned for float32 tensors. */
static int64_t to_floats(int64_t bytes) { return bytes < 0 ? -1 : bytes / 4; }

static napi_value sgemm_batched(napi_env env, napi_callback_info info) {
  int64_t v[15];
  double alpha = 0;
  int64_t floats = 0;
  float *heap = read_args(env, info, "sgemmBatched", 16, v, &alpha, &floats);
  if (!heap) return NULL;
  const int64_t batch = v[0];
  Gemm g = {heap, v[1], v[2], v[3], (int)v[4], (int)v[5], to_floats(v[6]), v[7], to_floats(v[8]), v[9],
            to_floats(v[10]), v[11], to_floats(v[12]), (int)v[13], (float)alpha};
  const int64_t last = batch - 1;
  const int64_t a_end = g.a_off + last * g.a_stride + g.m * g.k;
  const int64_t b_end = g.b_off + last * g.b_stride + g.k * g.n;
  const int64_t c_end = g.c_off + last * g.c_stride + g.m * g.n;
  if (batch < 1 || g.m < 1 || g.n < 1 || g.k < 1 || g.a_off < 0 || g.b_off < 0 || g.c_off < 0 || a_end > floats ||
      b_end > floats || c_end > floats || (g.bias_off >= 0 && g.bias_off + g.n > floats)) {
    napi_throw_range_error(env, NULL, "sgemmBatched: operands outside the heap");
    return NULL;
  }
  run_batched(&g, batch);
  return NULL;
}

/* conv2d and conv2dFilterGrad take the same arguments; `filter_grad` says which. */
static napi_value conv_call(napi_env env, napi_callback_info info, const char *name, int filter_grad) {
  int64_t v[18];
  int64_t floats = 0;
  float *heap = read_args(env, info, name, 19, v, NULL, &floats);
  if (!heap) return NULL;
  /* conv2d passes x, w, y; conv2dFilterGrad x, dy, dw: w_off holds the filter (gradient), y_off the output's. */
  const int64_t w_off = to_floats(filter_grad ? v[17] : v[16]), y_off = to_floats(filter_grad ? v[16] : v[17]);
  Conv c = {heap, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14],
            to_floats(v[15]), w_off, y_off, filter_grad, 0, 0};
  const int64_t dims[] = {c.batch, c.h, c.w, c.cin, c.kh, c.kw, c.cout, c.oh, c.ow, c.sh, c.sw, c.dh, c.dw};
  int bad = c.x_off < 0 || c.w_off < 0 || c.y_off < 0 || c.pad_top < 0 || c.pad_left < 0;
  for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++) bad |= dims[i] < 1;
  bad |= c.x_off + c.batch * c.h * c.w * c.cin > floats;
  bad |= c.w_off + c.kh * c.kw * c.cin * c.cout > floats;
  bad |= c.y_off + c.batch * c.oh * c.ow * c.cout > floats;
  if (bad) {
    char message[96];
    snprintf(message, sizeof message, "%s: bad dimensions or operands outside the heap", name);
    napi_throw_range_error(env, NULL, message);
    return NULL;
  }
  if (run_conv(&c)) {
    char message[96];
    snprintf(message, sizeof message, "%s: out of memory for the patch buffers", name);
    napi_throw_error(env, NULL, message);
  }
  return NULL;
}

static napi_value conv2d(napi_env env, napi_callback_info info) { return conv_call(env, info, "conv2d", 0); }

static napi_value conv2d_filter_grad(napi_env env, napi_callback_info info) {
  return conv_call(env, info, "conv2dFilterGrad", 1);
}

static napi_value threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_int32(env, thread_count, &out);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  const char *env_threads = getenv("SEGVIT_NUM_THREADS");
  long n = env_threads ? strtol(env_threads, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
  thread_count = n < 1 ? 1 : (n > MAX_THREADS ? MAX_THREADS : (int)n);
  use_blas_threads(thread_count);
  napi_property_descriptor props[] = {
      {"sgemmBatched", NULL, sgemm_batched, NULL, NULL, NULL, napi_default, NULL},
      {"conv2d", NULL, conv2d, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dFilterGrad", NULL, conv2d_filter_grad, NULL, NULL, NULL, napi_default, NULL},
      {"threads", NULL, threads, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
