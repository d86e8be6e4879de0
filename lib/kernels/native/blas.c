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
#include <stdlib.h>
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

/* One product C[i] = op(A[i]) op(B[i]) (+ bias, activation). Row-major, leading dims from the stored shapes. */
static void gemm_one(const Gemm *g, int64_t i) {
  const float *a = g->heap + g->a_off + i * g->a_stride;
  const float *b = g->heap + g->b_off + i * g->b_stride;
  float *c = g->heap + g->c_off + i * g->c_stride;
  const int64_t lda = g->trans_a ? g->m : g->k;
  const int64_t ldb = g->trans_b ? g->k : g->n;
  float beta = 0.0f;
  if (g->bias_off >= 0) {
    const float *bias = g->heap + g->bias_off;
    for (int64_t r = 0; r < g->m; r++) {
      float *row = c + r * g->n;
      for (int64_t j = 0; j < g->n; j++) row[j] = bias[j];
    }
    beta = 1.0f;
  }
  cblas_sgemm(CblasRowMajor, g->trans_a ? CblasTrans : CblasNoTrans, g->trans_b ? CblasTrans : CblasNoTrans,
              (int)g->m, (int)g->n, (int)g->k, 1.0f, a, (int)lda, b, (int)ldb, beta, c,
              (int)g->n);
  activate(c, g->m * g->n, g->activation, g->alpha);
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

static int64_t arg_int(napi_env env, napi_value v) {
  int64_t out = 0;
  napi_get_value_int64(env, v, &out);
  return out;
}

static napi_value sgemm_batched(napi_env env, napi_callback_info info) {
  size_t argc = 16;
  napi_value argv[16];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 16) {
    napi_throw_error(env, NULL, "sgemmBatched expects 16 arguments");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  napi_value buffer;
  size_t byte_offset = 0;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &byte_offset) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "sgemmBatched: the first argument must be the wasm heap (Uint8Array)");
    return NULL;
  }
  Gemm g;
  g.heap = (float *)data;
  const int64_t batch = arg_int(env, argv[1]);
  g.m = arg_int(env, argv[2]);
  g.n = arg_int(env, argv[3]);
  g.k = arg_int(env, argv[4]);
  g.trans_a = (int)arg_int(env, argv[5]);
  g.trans_b = (int)arg_int(env, argv[6]);
  /* Offsets arrive in bytes (wasm pointers); the heap is float-aligned for float32 tensors. */
  g.a_off = arg_int(env, argv[7]) / 4;
  g.a_stride = arg_int(env, argv[8]);
  g.b_off = arg_int(env, argv[9]) / 4;
  g.b_stride = arg_int(env, argv[10]);
  g.c_off = arg_int(env, argv[11]) / 4;
  g.c_stride = arg_int(env, argv[12]);
  const int64_t bias = arg_int(env, argv[13]);
  g.bias_off = bias < 0 ? -1 : bias / 4;
  g.activation = (int)arg_int(env, argv[14]);
  double alpha = 0;
  napi_get_value_double(env, argv[15], &alpha);
  g.alpha = (float)alpha;
  const int64_t floats = (int64_t)(length / 4);
  const int64_t last = batch - 1;
  const int64_t a_end = g.a_off + last * g.a_stride + g.m * g.k;
  const int64_t b_end = g.b_off + last * g.b_stride + g.k * g.n;
  const int64_t c_end = g.c_off + last * g.c_stride + g.m * g.n;
  if (batch < 1 || g.m < 1 || g.n < 1 || g.k < 1 || a_end > floats || b_end > floats || c_end > floats ||
      (g.bias_off >= 0 && g.bias_off + g.n > floats)) {
    napi_throw_range_error(env, NULL, "sgemmBatched: operands outside the heap");
    return NULL;
  }
  run_batched(&g, batch);
  return NULL;
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
      {"threads", NULL, threads, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
