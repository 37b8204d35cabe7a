/*
 * The fabric check: MPI across every node of the job, built with the image's mpicc (and by the
 * local multi-node run with Debian's). It proves what a tightly coupled job needs:
 * - ping-pong between rank 0 and the first rank of another node: every byte checked, the
 *   one-way latency of 8-byte messages and the bandwidth of 1 MiB messages;
 * - an allreduce over all ranks, whose result every rank checks;
 * and prints one result line per node. Exit status 0 only if every check passed on every rank.
 *
 * Usage: mpi-fabric-check [iterations]   (default 1000 small and 100 large round trips)
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMALL_BYTES 8
#define LARGE_BYTES (1 << 20)
#define TAG 17

static void fill(unsigned char *buffer, int bytes, int round) {
  for (int i = 0; i < bytes; i++) buffer[i] = (unsigned char)((i * 31 + round) & 0xff);
}

static int same(const unsigned char *buffer, int bytes, int round) {
  for (int i = 0; i < bytes; i++) {
    if (buffer[i] != (unsigned char)((i * 31 + round) & 0xff)) return 0;
  }
  return 1;
}

/* Round trips between `me` and `peer`; returns seconds per round trip, or -1 on a corrupt byte. */
static double ping_pong(int me, int initiator, int peer, unsigned char *buffer, int bytes, int rounds) {
  int intact = 1;
  MPI_Barrier(MPI_COMM_WORLD);
  double start = MPI_Wtime();
  for (int round = 0; round < rounds; round++) {
    if (me == initiator) {
      fill(buffer, bytes, round);
      MPI_Send(buffer, bytes, MPI_UNSIGNED_CHAR, peer, TAG, MPI_COMM_WORLD);
      MPI_Recv(buffer, bytes, MPI_UNSIGNED_CHAR, peer, TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      intact &= same(buffer, bytes, round + 1);
    } else if (me == peer) {
      MPI_Recv(buffer, bytes, MPI_UNSIGNED_CHAR, initiator, TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      intact &= same(buffer, bytes, round);
      fill(buffer, bytes, round + 1);
      MPI_Send(buffer, bytes, MPI_UNSIGNED_CHAR, initiator, TAG, MPI_COMM_WORLD);
    }
  }
  double elapsed = MPI_Wtime() - start;
  return intact ? elapsed / rounds : -1.0;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size, name_length;
  char host[MPI_MAX_PROCESSOR_NAME];
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Get_processor_name(host, &name_length);
  int small_rounds = argc > 1 ? atoi(argv[1]) : 1000;
  if (small_rounds < 1) small_rounds = 1000;
  int large_rounds = small_rounds / 10 > 0 ? small_rounds / 10 : 1;

  /* One communicator per node; its rank 0 speaks for the node. */
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
  int node_rank, node_size;
  MPI_Comm_rank(node, &node_rank);
  MPI_Comm_size(node, &node_size);

  /* Node leaders in rank order: leader 0 is rank 0, leader 1 the first rank of another node. */
  int is_leader = node_rank == 0;
  int *leaders = malloc(sizeof(int) * size);
  MPI_Allgather(&is_leader, 1, MPI_INT, leaders, 1, MPI_INT, MPI_COMM_WORLD);
  int node_count = 0, peer = -1, node_number = -1;
  for (int r = 0; r < size; r++) {
    if (!leaders[r]) continue;
    if (node_count == 1) peer = r;
    node_count++;
  }
  int first_rank_of_my_node = rank - node_rank; /* ranks are placed node by node (--map-by ppr:N:node) */
  for (int r = 0, seen = 0; r < size; r++) {
    if (leaders[r]) {
      if (r == first_rank_of_my_node) node_number = seen;
      seen++;
    }
  }

  int failures = 0;
  unsigned char *buffer = malloc(LARGE_BYTES);
  if (peer > 0) {
    double small = ping_pong(rank, 0, peer, buffer, SMALL_BYTES, small_rounds);
    double large = ping_pong(rank, 0, peer, buffer, LARGE_BYTES, large_rounds);
    if (rank == 0) {
      if (small < 0 || large < 0) {
        printf("ping-pong rank 0 <-> rank %d: FAIL: corrupt bytes\n", peer);
        failures++;
      } else {
        printf("ping-pong rank 0 <-> rank %d: %d B latency %.2f us, %d B bandwidth %.1f MB/s\n", peer, SMALL_BYTES,
               small / 2 * 1e6, LARGE_BYTES, 2.0 * LARGE_BYTES / large / 1e6);
      }
      fflush(stdout);
    }
    if (rank == peer && (small < 0 || large < 0)) failures++;
  } else if (rank == 0) {
    printf("ping-pong: skipped, every rank is on one node\n");
  }

  /* Allreduce: the sum of 1..size, which every rank must get. */
  long contribution = rank + 1, sum = 0, expected = (long)size * (size + 1) / 2;
  MPI_Allreduce(&contribution, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
  if (sum != expected) failures++;
  int node_failures = 0;
  MPI_Reduce(&failures, &node_failures, 1, MPI_INT, MPI_SUM, 0, node);

  /* One line per node, printed in node order. */
  for (int n = 0; n < node_count; n++) {
    MPI_Barrier(MPI_COMM_WORLD);
    if (is_leader && node_number == n) {
      printf("node %d/%d %s (ranks %d-%d): allreduce sum %ld, expected %ld: %s\n", n, node_count, host, rank,
             rank + node_size - 1, sum, expected, node_failures == 0 ? "OK" : "FAIL");
      fflush(stdout);
    }
  }

  int total_failures = 0;
  MPI_Allreduce(&failures, &total_failures, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) {
    printf("fabric check: %s (%d ranks on %d nodes)\n", total_failures == 0 ? "PASS" : "FAIL", size, node_count);
    fflush(stdout);
  }
  free(buffer);
  free(leaders);
  MPI_Comm_free(&node);
  MPI_Finalize();
  return total_failures == 0 ? 0 : 1;
}
