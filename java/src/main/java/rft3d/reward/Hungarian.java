package rft3d.reward;

import java.util.Arrays;

/** Minimum-cost assignment for a rectangular cost matrix (Kuhn–Munkres with potentials, O(n²m)). */
final class Hungarian {
    private Hungarian() {}

    /**
     * For each row, the column assigned to it, or −1; every row gets a distinct column when there are at
     * least as many columns as rows, otherwise every column gets a distinct row.
     */
    static int[] minCostAssignment(double[][] cost) {
        int rows = cost.length, cols = rows == 0 ? 0 : cost[0].length;
        boolean transpose = rows > cols;
        int n = transpose ? cols : rows, m = transpose ? rows : cols;
        double[] u = new double[n + 1], v = new double[m + 1];
        int[] p = new int[m + 1], way = new int[m + 1];
        for (int i = 1; i <= n; i++) {
            p[0] = i;
            int j0 = 0;
            double[] minv = new double[m + 1];
            Arrays.fill(minv, Double.POSITIVE_INFINITY);
            boolean[] usedCol = new boolean[m + 1];
            do {
                usedCol[j0] = true;
                int i0 = p[j0], j1 = 0;
                double delta = Double.POSITIVE_INFINITY;
                for (int j = 1; j <= m; j++) {
                    if (usedCol[j]) continue;
                    double c = (transpose ? cost[j - 1][i0 - 1] : cost[i0 - 1][j - 1]) - u[i0] - v[j];
                    if (c < minv[j]) {
                        minv[j] = c;
                        way[j] = j0;
                    }
                    if (minv[j] < delta) {
                        delta = minv[j];
                        j1 = j;
                    }
                }
                for (int j = 0; j <= m; j++) {
                    if (usedCol[j]) {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (p[j0] != 0);
            do {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        int[] out = new int[rows];
        Arrays.fill(out, -1);
        for (int j = 1; j <= m; j++) {
            if (p[j] == 0) continue;
            if (transpose) out[j - 1] = p[j] - 1;
            else out[p[j] - 1] = j - 1;
        }
        return out;
    }
}
