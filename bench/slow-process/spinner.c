// Does a thread spinning on the other vCPU slow this one? Thread A (vCPU 0) sums a buffer of
// MB megabytes over and over; thread B (vCPU 1) alternates 2 s of a pause loop, as an OpenMP
// worker waiting for work spins, and 2 s of sleep. Prints A's GB/s with B asleep, with B
// spinning, and their ratio.   spinner SECONDS MB
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <immintrin.h>
static volatile int spinning = 0, stop = 0;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static void pin(int cpu) { cpu_set_t s; CPU_ZERO(&s); CPU_SET(cpu, &s); pthread_setaffinity_np(pthread_self(), sizeof s, &s); }
static void *b(void *arg) {
  pin(1);
  while (!stop) {
    spinning = 1; double t = now(); while (now() - t < 2) for (int i = 0; i < 1000; i++) _mm_pause();
    spinning = 0; usleep(2000000);
  }
  return 0;
}
int main(int argc, char **argv) {
  double seconds = atof(argv[1]); size_t n = (size_t)atoi(argv[2]) << 20 >> 2;
  float *buf = malloc(n * 4); for (size_t i = 0; i < n; i++) buf[i] = i;
  pin(0); pthread_t th; pthread_create(&th, 0, b, 0);
  double sum[2] = {0}, cnt[2] = {0}; double start = now();
  while (now() - start < seconds) {
    double t = now(); int phase = spinning; double bytes = 0; float acc = 0;
    while (now() - t < 0.25) { for (size_t i = 0; i < n; i++) acc += buf[i]; bytes += n * 4.0; }
    if (phase == spinning) { sum[phase] += bytes / (now() - t) / 1e9; cnt[phase]++; }
    if (acc == 1) puts("");
  }
  stop = 1; pthread_join(th, 0);
  printf("%.2f %.2f %.2f\n", sum[0]/cnt[0], sum[1]/cnt[1], (sum[1]/cnt[1])/(sum[0]/cnt[0]));
}
