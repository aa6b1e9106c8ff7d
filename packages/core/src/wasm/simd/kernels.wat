;; SIMD float32 GEMM on the tfjs-wasm heap (imported memory), GotoBLAS style: blocks of A and B are first copied
;; into contiguous panels (packA, packB: one pass, ~0.3 ns per element), then tile4x8 runs 4×8 register tiles over
;; them. XNNPACK (tfjs-wasm's fast path) packs its right operand too, but at ~10 ns per element, which costs as much as
;; the product itself when the left operand has ~100 rows, the size of one expert's token group.
;;
;; Addresses are byte offsets, strides are in bytes.
;; packA: A(i, p), i < 4·m4, p < kc, at a + i·asI + p·asP  ->  strip ib at dst + ib·kc·16: for each p, A(4ib..4ib+3, p).
;; packB: B(p, j), p < kc, j < 8·n8, at b + p·bsP + 4j     ->  panel jb at dst + jb·kc·32: for each p, B(p, 8jb..8jb+7).
;; packBT: the same panels from B stored by columns, B(p, j) at b + 4p + j·bsJ (a weight used transposed).
;; tile4x8: for every strip ib < m4 and panel jb < n8 of packed A and B,
;;   C[4ib..4ib+4, 8jb..8jb+8] = (acc ? C : bias ? bias[8jb..] : 0) + Σ_p A[i, p]·B[p, j]   (p < kc)
;;   C(i, j) at c + i·csI + 4j (rows stored as vectors). bias: byte offset of floats indexed by j, or 0; read when
;;   acc = 0.
;; expF32: dst[i] = e^src[i] for i < count (float32; src and dst may be the same).
;; adamF32: one Adam step (PyTorch semantics) over count floats, read from p, g, m, v and written to pOut, mOut, vOut
;;   (which may be the inputs): g' = scale·g, m' = β1·m + (1−β1)·g', v' = β2·v + (1−β2)·g'²,
;;   p' = p − lr·((m'/c1) / (√(v'/c2) + eps) + wd·p), c1 and c2 the bias corrections. Vectors, then the last floats
;;   one by one with the same float32 operations.
;; sumSquaresF32: Σ src[i]² for i < count, accumulated in float64.
;; rowMaxSumExp: for each row r < rows of z [rows, cols] (cols ≥ 1): out[2r] = max_j z[r, j] and
;;   out[2r+1] = Σ_j e^(z[r, j] − out[2r]) (float32, e^ by $exp4), the parts of a row's log-sum-exp.
;;   (The maxima here and in relSoftmaxF32 use pmax, one instruction: a NaN input is skipped by the max but still
;;   makes the row's sum NaN.)
;; layerNormF32: for each row r of x [rows, d] (d a multiple of 4): mean μ, biased variance σ², ρ = 1/√(σ² + eps),
;;   y[r] = (x[r] − μ)·ρ·gamma + beta; stats[2r] = μ, stats[2r+1] = ρ (for the gradient).
;; layerNormGradF32: from dy, x, gamma and those stats: x̂ = (x − μ)·ρ, g = dy·gamma,
;;   dx = ρ·(g − mean(g) − x̂·mean(g·x̂)) per row; dgamma = Σ_r dy·x̂ and dbeta = Σ_r dy (overwritten).
;; relSoftmaxF32: the relative-position attention softmax over rows r < n·m (query i = r mod m of its block):
;;   dst[r, j] = softmax_j(scale·(qk[r, i + j] + pos[r, j])), j < l, with qk [n·m, l+m] (scores over [cache; block]
;;   keys, read through the unskew window) and pos, dst [n·m, l]. l and m multiples of 4. With skewed = 1, dst is
;;   [n·m, l+m] instead and gets the probabilities skewed back onto the keys: dst[r, i + j], zero elsewhere.
;; relSoftmaxGradF32: its backward from probs and dprobs [n·m, l]: ds = scale·probs·(dprobs − Σ_j probs·dprobs);
;;   dpos = ds, and dqk [n·m, l+m] is ds placed at columns i .. i+l−1 of row r, zero elsewhere. With skewed = 1,
;;   probs and dprobs are [n·m, l+m], read at columns i .. i+l−1 (as the forward wrote them).
;; expShiftScale: dst[r, j] = scale[r] · e^(z[r, j] − shift[r]) for rows × cols (a row's softmax times a factor, when
;;   shift[r] is its log-sum-exp); dst may be z.
;; rowSoftmaxF32: for each row r < rows of z [rows, cols] (cols ≥ 1): out[2r] = m = max_j z[r, j],
;;   out[2r+1] = S = Σ_j e^(z[r, j] − m), and dst[r, j] = e^(z[r, j] − m) / S (the softmax; dst may not be z).
;; scaleRowsColSums: dst[r, j] = p[r, j]·s[r] for rows × cols, and sums[j] = Σ_r dst[r, j] (overwritten; the
;;   gradient of an NLL head from its softmax p, with the bias gradient in the same pass). dst may be p.
;; segmentSumF32: out [segments, inner] = 0, then out[ids[r]] += x[r] for each row r < rows of x [rows, inner]
;;   whose id is in [0, segments) (the others are skipped).
;; swapMiddle32: dst [outer, b, a, inner] = src [outer, a, b, inner] with its two middle axes swapped, 32-bit
;;   elements copied bit for bit (a transpose that moves runs of `inner` contiguous elements).
;; dropoutF32: dst[i] = src[i] · (keep ? scale : 0) for i < count, keep when (mix(i + key) >> 8) ≥ threshold (unsigned,
;;   i + key wrapping at 2^32), mix the lowbias32 integer hash: x ^= x >> 16, x *= 0x7feb352d, x ^= x >> 15,
;;   x *= 0x846ca68b, x ^= x >> 16 (shifts logical). dst may be src.
(module
  (import "env" "memory" (memory 1))

  ;; Three paths: rows contiguous at each p (asI = 4: one vector per p), columns contiguous (asP = 4: 4×4 blocks
  ;; transposed in registers, then the odd p one by one), or any strides (element by element).
  (func (export "packA") (param $a i32) (param $asI i32) (param $asP i32) (param $m4 i32) (param $kc i32) (param $dst i32)
    (local $ib i32) (local $p i32) (local $src i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $r1 (local.get $asI))
    (local.set $r2 (i32.shl (local.get $asI) (i32.const 1)))
    (local.set $r3 (i32.mul (local.get $asI) (i32.const 3)))
    (loop $strips
      (if (i32.lt_u (local.get $ib) (local.get $m4)) (then
        (local.set $src (i32.add (local.get $a) (i32.mul (i32.shl (local.get $ib) (i32.const 2)) (local.get $asI))))
        (local.set $p (local.get $kc))
        (if (i32.eq (local.get $asI) (i32.const 4)) (then
          (loop $contiguous
            (if (local.get $p) (then
              (v128.store (local.get $dst) (v128.load (local.get $src)))
              (local.set $src (i32.add (local.get $src) (local.get $asP)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
              (local.set $p (i32.sub (local.get $p) (i32.const 1)))
              (br $contiguous))))))
        (if (i32.eq (local.get $asP) (i32.const 4)) (then
          (loop $blocks
            (if (i32.ge_u (local.get $p) (i32.const 4)) (then
              (local.set $v0 (v128.load (local.get $src)))
              (local.set $v1 (v128.load (i32.add (local.get $src) (local.get $r1))))
              (local.set $v2 (v128.load (i32.add (local.get $src) (local.get $r2))))
              (local.set $v3 (v128.load (i32.add (local.get $src) (local.get $r3))))
              (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
              (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
              (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
              (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
              (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
              (v128.store offset=16 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
              (v128.store offset=32 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
              (v128.store offset=48 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
              (local.set $src (i32.add (local.get $src) (i32.const 16)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
              (local.set $p (i32.sub (local.get $p) (i32.const 4)))
              (br $blocks))))))
        (loop $elements
          (if (local.get $p) (then
            (f32.store (local.get $dst) (f32.load (local.get $src)))
            (f32.store offset=4 (local.get $dst) (f32.load (i32.add (local.get $src) (local.get $r1))))
            (f32.store offset=8 (local.get $dst) (f32.load (i32.add (local.get $src) (local.get $r2))))
            (f32.store offset=12 (local.get $dst) (f32.load (i32.add (local.get $src) (local.get $r3))))
            (local.set $src (i32.add (local.get $src) (local.get $asP)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $p (i32.sub (local.get $p) (i32.const 1)))
            (br $elements))))
        (local.set $ib (i32.add (local.get $ib) (i32.const 1)))
        (br $strips)))))

  (func (export "packB") (param $b i32) (param $bsP i32) (param $kc i32) (param $n8 i32) (param $dst i32)
    (local $jb i32) (local $p i32) (local $src i32)
    (loop $panels
      (if (i32.lt_u (local.get $jb) (local.get $n8)) (then
        (local.set $src (i32.add (local.get $b) (i32.shl (local.get $jb) (i32.const 5))))
        (local.set $p (local.get $kc))
        (loop $depth
          (if (local.get $p) (then
            (v128.store (local.get $dst) (v128.load (local.get $src)))
            (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
            (local.set $src (i32.add (local.get $src) (local.get $bsP)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
            (local.set $p (i32.sub (local.get $p) (i32.const 1)))
            (br $depth))))
        (local.set $jb (i32.add (local.get $jb) (i32.const 1)))
        (br $panels)))))

  ;; Four p at a time: the 8 columns' next 4 floats are two 4×4 blocks, transposed in registers; then the odd p.
  (func (export "packBT") (param $b i32) (param $bsJ i32) (param $kc i32) (param $n8 i32) (param $dst i32)
    (local $jb i32) (local $p i32) (local $col i32) (local $r i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (loop $panels
      (if (i32.lt_u (local.get $jb) (local.get $n8)) (then
        (local.set $col (i32.add (local.get $b) (i32.mul (i32.shl (local.get $jb) (i32.const 3)) (local.get $bsJ))))
        (local.set $p (local.get $kc))
        (loop $blocks
          (if (i32.ge_u (local.get $p) (i32.const 4)) (then
            ;; columns 0-3 of the panel, then 4-7 (half = 0, 1)
            (local.set $r (i32.const 0))
            (loop $halves
              (local.set $v0 (v128.load (i32.add (local.get $col) (i32.mul (local.get $r) (local.get $bsJ)))))
              (local.set $v1 (v128.load (i32.add (local.get $col) (i32.mul (i32.add (local.get $r) (i32.const 1)) (local.get $bsJ)))))
              (local.set $v2 (v128.load (i32.add (local.get $col) (i32.mul (i32.add (local.get $r) (i32.const 2)) (local.get $bsJ)))))
              (local.set $v3 (v128.load (i32.add (local.get $col) (i32.mul (i32.add (local.get $r) (i32.const 3)) (local.get $bsJ)))))
              (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
              (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
              (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
              (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
              ;; columns r..r+3 are bytes 4r..4r+15 of each 32-byte p-row
              (v128.store (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2)))
                (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
              (v128.store offset=32 (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2)))
                (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
              (v128.store offset=64 (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2)))
                (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
              (v128.store offset=96 (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2)))
                (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
              (local.set $r (i32.add (local.get $r) (i32.const 4)))
              (br_if $halves (i32.lt_u (local.get $r) (i32.const 8))))
            (local.set $col (i32.add (local.get $col) (i32.const 16)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 128)))
            (local.set $p (i32.sub (local.get $p) (i32.const 4)))
            (br $blocks))))
        (loop $rest
          (if (local.get $p) (then
            (local.set $r (i32.const 0))
            (loop $lanes
              (f32.store (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2)))
                (f32.load (i32.add (local.get $col) (i32.mul (local.get $r) (local.get $bsJ)))))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br_if $lanes (i32.lt_u (local.get $r) (i32.const 8))))
            (local.set $col (i32.add (local.get $col) (i32.const 4)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
            (local.set $p (i32.sub (local.get $p) (i32.const 1)))
            (br $rest))))
        (local.set $jb (i32.add (local.get $jb) (i32.const 1)))
        (br $panels)))))

  (func (export "tile4x8")
        (param $a i32) (param $b i32) (param $c i32) (param $csI i32)
        (param $m4 i32) (param $n8 i32) (param $kc i32) (param $acc i32) (param $bias i32)
    (local $ib i32) (local $jb i32) (local $p i32) (local $pa i32) (local $pb i32) (local $pc i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $av v128)
    (loop $jloop
      (if (i32.lt_u (local.get $jb) (local.get $n8)) (then
        (local.set $ib (i32.const 0))
        (loop $iloop
          (if (i32.lt_u (local.get $ib) (local.get $m4)) (then
            ;; accumulators start at 0, or at the bias of these 8 columns
            (local.set $c00 (v128.const i32x4 0 0 0 0))
            (local.set $c01 (v128.const i32x4 0 0 0 0))
            (if (i32.and (i32.eqz (local.get $acc)) (i32.ne (local.get $bias) (i32.const 0))) (then
              (local.set $c00 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $jb) (i32.const 5)))))
              (local.set $c01 (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $jb) (i32.const 5)))))))
            (local.set $c10 (local.get $c00)) (local.set $c11 (local.get $c01))
            (local.set $c20 (local.get $c00)) (local.set $c21 (local.get $c01))
            (local.set $c30 (local.get $c00)) (local.set $c31 (local.get $c01))
            (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $ib) (i32.shl (local.get $kc) (i32.const 4)))))
            (local.set $pb (i32.add (local.get $b) (i32.mul (local.get $jb) (i32.shl (local.get $kc) (i32.const 5)))))
            (local.set $p (local.get $kc))
            (loop $ploop
              (if (local.get $p) (then
              (local.set $b0 (v128.load offset=0 (local.get $pb)))
              (local.set $b1 (v128.load offset=16 (local.get $pb)))
              (local.set $av (v128.load32_splat offset=0 (local.get $pa)))
              (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load32_splat offset=4 (local.get $pa)))
              (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load32_splat offset=8 (local.get $pa)))
              (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $av) (local.get $b1))))
              (local.set $av (v128.load32_splat offset=12 (local.get $pa)))
              (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $av) (local.get $b0))))
              (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $av) (local.get $b1))))
                (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
                (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
                (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                (br $ploop))))
            ;; C block origin: row 4ib, column 8jb
            (local.set $pc (i32.add (i32.add (local.get $c) (i32.mul (i32.shl (local.get $ib) (i32.const 2)) (local.get $csI)))
                                    (i32.shl (local.get $jb) (i32.const 5))))
            (if (local.get $acc)
              (then
                (v128.store (local.get $pc) (f32x4.add (local.get $c00) (v128.load (local.get $pc))))
                (v128.store offset=16 (local.get $pc) (f32x4.add (local.get $c01) (v128.load offset=16 (local.get $pc))))
                (local.set $pc (i32.add (local.get $pc) (local.get $csI)))
                (v128.store (local.get $pc) (f32x4.add (local.get $c10) (v128.load (local.get $pc))))
                (v128.store offset=16 (local.get $pc) (f32x4.add (local.get $c11) (v128.load offset=16 (local.get $pc))))
                (local.set $pc (i32.add (local.get $pc) (local.get $csI)))
                (v128.store (local.get $pc) (f32x4.add (local.get $c20) (v128.load (local.get $pc))))
                (v128.store offset=16 (local.get $pc) (f32x4.add (local.get $c21) (v128.load offset=16 (local.get $pc))))
                (local.set $pc (i32.add (local.get $pc) (local.get $csI)))
                (v128.store (local.get $pc) (f32x4.add (local.get $c30) (v128.load (local.get $pc))))
                (v128.store offset=16 (local.get $pc) (f32x4.add (local.get $c31) (v128.load offset=16 (local.get $pc)))))
              (else
                (v128.store (local.get $pc) (local.get $c00))
                (v128.store offset=16 (local.get $pc) (local.get $c01))
                (local.set $pc (i32.add (local.get $pc) (local.get $csI)))
                (v128.store (local.get $pc) (local.get $c10))
                (v128.store offset=16 (local.get $pc) (local.get $c11))
                (local.set $pc (i32.add (local.get $pc) (local.get $csI)))
                (v128.store (local.get $pc) (local.get $c20))
                (v128.store offset=16 (local.get $pc) (local.get $c21))
                (local.set $pc (i32.add (local.get $pc) (local.get $csI)))
                (v128.store (local.get $pc) (local.get $c30))
                (v128.store offset=16 (local.get $pc) (local.get $c31))))
            (local.set $ib (i32.add (local.get $ib) (i32.const 1)))
            (br $iloop))))
        (local.set $jb (i32.add (local.get $jb) (i32.const 1)))
        (br $jloop))))
  )

  ;; e^x per lane: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 in two parts, so r is exact), e^r by the Cephes expf
  ;; polynomial (≤ 2 ulp), then 2^n applied as two factors 2^⌊n/2⌋·2^(n−⌊n/2⌋), each a normal float, so results
  ;; that are denormal come out right. x is clamped to [-104, 89] first: e^89 overflows to inf and e^-104 is 0 in
  ;; float32; NaN stays NaN (pmax/pmin return their first operand when a comparison with NaN fails: one instruction
  ;; each, where min/max are a sequence). n = round(x·log2e) by adding 1.5·2^23 (the float's last bit is then 1), and
  ;; the integer n is the difference of the bit patterns, with no float-to-int conversion.
  (func $exp4 (param $x v128) (result v128)
    (local $t v128) (local $n v128) (local $r v128) (local $p v128) (local $ni v128) (local $n1 v128)
    (local.set $x (f32x4.pmin (f32x4.pmax (local.get $x) (v128.const f32x4 -104 -104 -104 -104)) (v128.const f32x4 89 89 89 89)))
    (local.set $t (f32x4.add (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))
                             (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $n (f32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (f32x4.add (f32x4.mul (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    (local.set $ni (i32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $n1 (i32x4.shr_s (local.get $ni) (i32.const 1)))
    (f32x4.mul
      (f32x4.mul (local.get $p) (i32x4.shl (i32x4.add (local.get $n1) (v128.const i32x4 127 127 127 127)) (i32.const 23)))
      (i32x4.shl (i32x4.add (i32x4.sub (local.get $ni) (local.get $n1)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))

  (func (export "expF32") (param $src i32) (param $dst i32) (param $count i32)
    (loop $vectors
      (if (i32.ge_u (local.get $count) (i32.const 4)) (then
        (v128.store (local.get $dst) (call $exp4 (v128.load (local.get $src))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $count (i32.sub (local.get $count) (i32.const 4)))
        (br $vectors))))
    (loop $rest
      (if (local.get $count) (then
        (f32.store (local.get $dst) (f32x4.extract_lane 0 (call $exp4 (v128.load32_splat (local.get $src)))))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $rest)))))

  (func (export "adamF32")
        (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $pOut i32) (param $mOut i32) (param $vOut i32)
        (param $count i32) (param $lr f32) (param $beta1 f32) (param $beta2 f32) (param $eps f32) (param $c1 f32)
        (param $c2 f32) (param $wd f32) (param $scale f32)
    (local $i i32) (local $end i32)
    (local $gv v128) (local $mv v128) (local $vv v128) (local $pv v128)
    (local $gs f32) (local $ms f32) (local $vs f32) (local $ps f32)
    (local.set $end (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2)))
    (loop $vectors
      (if (i32.lt_u (local.get $i) (local.get $end)) (then
        (local.set $gv (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $i))) (f32x4.splat (local.get $scale))))
        (local.set $mv (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (f32x4.splat (local.get $beta1)))
                                  (f32x4.mul (local.get $gv) (f32x4.splat (f32.sub (f32.const 1) (local.get $beta1))))))
        (local.set $vv (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (f32x4.splat (local.get $beta2)))
                                  (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (f32x4.splat (f32.sub (f32.const 1) (local.get $beta2))))))
        (local.set $pv (v128.load (i32.add (local.get $p) (local.get $i))))
        (v128.store (i32.add (local.get $mOut) (local.get $i)) (local.get $mv))
        (v128.store (i32.add (local.get $vOut) (local.get $i)) (local.get $vv))
        (v128.store (i32.add (local.get $pOut) (local.get $i))
          (f32x4.sub (local.get $pv) (f32x4.mul (f32x4.splat (local.get $lr))
            (f32x4.add
              (f32x4.div (f32x4.div (local.get $mv) (f32x4.splat (local.get $c1)))
                         (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (f32x4.splat (local.get $c2)))) (f32x4.splat (local.get $eps))))
              (f32x4.mul (local.get $pv) (f32x4.splat (local.get $wd)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vectors))))
    (local.set $end (i32.shl (local.get $count) (i32.const 2)))
    (loop $rest
      (if (i32.lt_u (local.get $i) (local.get $end)) (then
        (local.set $gs (f32.mul (f32.load (i32.add (local.get $g) (local.get $i))) (local.get $scale)))
        (local.set $ms (f32.add (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $beta1))
                                (f32.mul (local.get $gs) (f32.sub (f32.const 1) (local.get $beta1)))))
        (local.set $vs (f32.add (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $beta2))
                                (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (f32.sub (f32.const 1) (local.get $beta2)))))
        (local.set $ps (f32.load (i32.add (local.get $p) (local.get $i))))
        (f32.store (i32.add (local.get $mOut) (local.get $i)) (local.get $ms))
        (f32.store (i32.add (local.get $vOut) (local.get $i)) (local.get $vs))
        (f32.store (i32.add (local.get $pOut) (local.get $i))
          (f32.sub (local.get $ps) (f32.mul (local.get $lr)
            (f32.add
              (f32.div (f32.div (local.get $ms) (local.get $c1))
                       (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $c2))) (local.get $eps)))
              (f32.mul (local.get $ps) (local.get $wd))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rest)))))

  (func (export "sumSquaresF32") (param $src i32) (param $count i32) (result f64)
    (local $x v128) (local $lo v128) (local $hi v128) (local $s f64)
    (local.set $lo (v128.const i64x2 0 0))
    (local.set $hi (v128.const i64x2 0 0))
    (loop $vectors
      (if (i32.ge_u (local.get $count) (i32.const 4)) (then
        (local.set $x (v128.load (local.get $src)))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (f64x2.promote_low_f32x4 (local.get $x)))))
        (local.set $x (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x)))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (f64x2.promote_low_f32x4 (local.get $x)))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $count (i32.sub (local.get $count) (i32.const 4)))
        (br $vectors))))
    (local.set $lo (f64x2.add (local.get $lo) (local.get $hi)))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))
    (loop $rest
      (if (local.get $count) (then
        (local.set $s (f64.add (local.get $s) (f64.mul (f64.promote_f32 (f32.load (local.get $src))) (f64.promote_f32 (f32.load (local.get $src))))))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $rest))))
    (local.get $s))

  (func (export "rowMaxSumExp") (param $z i32) (param $rows i32) (param $cols i32) (param $out i32)
    (local $r i32) (local $j i32) (local $row i32) (local $end i32) (local $mx v128) (local $m f32) (local $sum v128) (local $s f32)
    (local.set $end (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    (loop $rowsLoop
      (if (i32.lt_u (local.get $r) (local.get $rows)) (then
        (local.set $row (i32.add (local.get $z) (i32.shl (i32.mul (local.get $r) (local.get $cols)) (i32.const 2))))
        ;; max: vectors, then the lanes, then the last floats
        (local.set $mx (v128.load32_splat (local.get $row)))
        (local.set $j (i32.const 0))
        (loop $maxVec
          (if (i32.lt_u (local.get $j) (local.get $end)) (then
            (local.set $mx (f32x4.pmax (local.get $mx) (v128.load (i32.add (local.get $row) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $maxVec))))
        (local.set $m (f32.max (f32.max (f32x4.extract_lane 0 (local.get $mx)) (f32x4.extract_lane 1 (local.get $mx)))
                               (f32.max (f32x4.extract_lane 2 (local.get $mx)) (f32x4.extract_lane 3 (local.get $mx)))))
        (loop $maxRest
          (if (i32.lt_u (local.get $j) (i32.shl (local.get $cols) (i32.const 2))) (then
            (local.set $m (f32.max (local.get $m) (f32.load (i32.add (local.get $row) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $maxRest))))
        ;; Σ e^(z − max)
        (local.set $mx (f32x4.splat (local.get $m)))
        (local.set $sum (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (loop $sumVec
          (if (i32.lt_u (local.get $j) (local.get $end)) (then
            (local.set $sum (f32x4.add (local.get $sum)
              (call $exp4 (f32x4.sub (v128.load (i32.add (local.get $row) (local.get $j))) (local.get $mx)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $sumVec))))
        (local.set $s (f32.add (f32.add (f32x4.extract_lane 0 (local.get $sum)) (f32x4.extract_lane 1 (local.get $sum)))
                               (f32.add (f32x4.extract_lane 2 (local.get $sum)) (f32x4.extract_lane 3 (local.get $sum)))))
        (loop $sumRest
          (if (i32.lt_u (local.get $j) (i32.shl (local.get $cols) (i32.const 2))) (then
            (local.set $s (f32.add (local.get $s) (f32x4.extract_lane 0
              (call $exp4 (f32x4.sub (v128.load32_splat (i32.add (local.get $row) (local.get $j))) (local.get $mx))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $sumRest))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3))) (local.get $m))
        (f32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3))) (local.get $s))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop)))))

  (func (export "expShiftScale") (param $z i32) (param $shift i32) (param $rows i32) (param $cols i32) (param $scale i32) (param $dst i32)
    (local $r i32) (local $j i32) (local $end i32) (local $src i32) (local $to i32) (local $sh v128) (local $sc v128)
    (local.set $end (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    (loop $rowsLoop
      (if (i32.lt_u (local.get $r) (local.get $rows)) (then
        (local.set $src (i32.add (local.get $z) (i32.shl (i32.mul (local.get $r) (local.get $cols)) (i32.const 2))))
        (local.set $to (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $r) (local.get $cols)) (i32.const 2))))
        (local.set $sh (v128.load32_splat (i32.add (local.get $shift) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $sc (v128.load32_splat (i32.add (local.get $scale) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $j (i32.const 0))
        (loop $vec
          (if (i32.lt_u (local.get $j) (local.get $end)) (then
            (v128.store (i32.add (local.get $to) (local.get $j)) (f32x4.mul (local.get $sc)
              (call $exp4 (f32x4.sub (v128.load (i32.add (local.get $src) (local.get $j))) (local.get $sh)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $vec))))
        (loop $rest
          (if (i32.lt_u (local.get $j) (i32.shl (local.get $cols) (i32.const 2))) (then
            (f32.store (i32.add (local.get $to) (local.get $j)) (f32x4.extract_lane 0 (f32x4.mul (local.get $sc)
              (call $exp4 (f32x4.sub (v128.load32_splat (i32.add (local.get $src) (local.get $j))) (local.get $sh))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $rest))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop)))))

  (func (export "rowSoftmaxF32") (param $z i32) (param $rows i32) (param $cols i32) (param $dst i32) (param $out i32)
    (local $r i32) (local $j i32) (local $row i32) (local $to i32) (local $bytes i32) (local $end i32)
    (local $mx v128) (local $sum v128) (local $e v128) (local $m f32) (local $s f32)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $end (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    (loop $rowsLoop
      (if (i32.lt_u (local.get $r) (local.get $rows)) (then
        (local.set $row (i32.add (local.get $z) (i32.mul (local.get $r) (local.get $bytes))))
        (local.set $to (i32.add (local.get $dst) (i32.mul (local.get $r) (local.get $bytes))))
        ;; max: vectors, then the lanes, then the last floats
        (local.set $mx (v128.load32_splat (local.get $row)))
        (local.set $j (i32.const 0))
        (loop $maxVec
          (if (i32.lt_u (local.get $j) (local.get $end)) (then
            (local.set $mx (f32x4.pmax (local.get $mx) (v128.load (i32.add (local.get $row) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $maxVec))))
        (local.set $m (f32.max (f32.max (f32x4.extract_lane 0 (local.get $mx)) (f32x4.extract_lane 1 (local.get $mx)))
                               (f32.max (f32x4.extract_lane 2 (local.get $mx)) (f32x4.extract_lane 3 (local.get $mx)))))
        (loop $maxRest
          (if (i32.lt_u (local.get $j) (local.get $bytes)) (then
            (local.set $m (f32.max (local.get $m) (f32.load (i32.add (local.get $row) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $maxRest))))
        ;; e^(z − max) written to dst and summed
        (local.set $mx (f32x4.splat (local.get $m)))
        (local.set $sum (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (loop $expVec
          (if (i32.lt_u (local.get $j) (local.get $end)) (then
            (local.set $e (call $exp4 (f32x4.sub (v128.load (i32.add (local.get $row) (local.get $j))) (local.get $mx))))
            (v128.store (i32.add (local.get $to) (local.get $j)) (local.get $e))
            (local.set $sum (f32x4.add (local.get $sum) (local.get $e)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $expVec))))
        (local.set $s (call $hsum (local.get $sum)))
        (loop $expRest
          (if (i32.lt_u (local.get $j) (local.get $bytes)) (then
            (local.set $e (call $exp4 (f32x4.sub (v128.load32_splat (i32.add (local.get $row) (local.get $j))) (local.get $mx))))
            (f32.store (i32.add (local.get $to) (local.get $j)) (f32x4.extract_lane 0 (local.get $e)))
            (local.set $s (f32.add (local.get $s) (f32x4.extract_lane 0 (local.get $e))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $expRest))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3))) (local.get $m))
        (f32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3))) (local.get $s))
        ;; normalise (the row is still in cache)
        (local.set $e (f32x4.splat (f32.div (f32.const 1) (local.get $s))))
        (local.set $j (i32.const 0))
        (loop $normVec
          (if (i32.lt_u (local.get $j) (local.get $end)) (then
            (v128.store (i32.add (local.get $to) (local.get $j))
              (f32x4.mul (v128.load (i32.add (local.get $to) (local.get $j))) (local.get $e)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $normVec))))
        (loop $normRest
          (if (i32.lt_u (local.get $j) (local.get $bytes)) (then
            (f32.store (i32.add (local.get $to) (local.get $j))
              (f32.mul (f32.load (i32.add (local.get $to) (local.get $j))) (f32x4.extract_lane 0 (local.get $e))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $normRest))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop)))))

  (func (export "scaleRowsColSums") (param $p i32) (param $rows i32) (param $cols i32) (param $scale i32)
        (param $dst i32) (param $sums i32)
    (local $r i32) (local $j i32) (local $bytes i32) (local $end i32) (local $src i32) (local $to i32)
    (local $sc v128) (local $x v128)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $end (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    (local.set $j (i32.const 0))
    (loop $zero
      (if (i32.lt_u (local.get $j) (local.get $bytes)) (then
        (f32.store (i32.add (local.get $sums) (local.get $j)) (f32.const 0))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $zero))))
    (loop $rowsLoop
      (if (i32.lt_u (local.get $r) (local.get $rows)) (then
        (local.set $src (i32.add (local.get $p) (i32.mul (local.get $r) (local.get $bytes))))
        (local.set $to (i32.add (local.get $dst) (i32.mul (local.get $r) (local.get $bytes))))
        (local.set $sc (v128.load32_splat (i32.add (local.get $scale) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $j (i32.const 0))
        (loop $vec
          (if (i32.lt_u (local.get $j) (local.get $end)) (then
            (local.set $x (f32x4.mul (v128.load (i32.add (local.get $src) (local.get $j))) (local.get $sc)))
            (v128.store (i32.add (local.get $to) (local.get $j)) (local.get $x))
            (v128.store (i32.add (local.get $sums) (local.get $j))
              (f32x4.add (v128.load (i32.add (local.get $sums) (local.get $j))) (local.get $x)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $vec))))
        (loop $rest
          (if (i32.lt_u (local.get $j) (local.get $bytes)) (then
            (local.set $x (f32x4.mul (v128.load32_splat (i32.add (local.get $src) (local.get $j))) (local.get $sc)))
            (f32.store (i32.add (local.get $to) (local.get $j)) (f32x4.extract_lane 0 (local.get $x)))
            (f32.store (i32.add (local.get $sums) (local.get $j))
              (f32.add (f32.load (i32.add (local.get $sums) (local.get $j))) (f32x4.extract_lane 0 (local.get $x))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $rest))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop)))))

  (func (export "segmentSumF32") (param $x i32) (param $ids i32) (param $rows i32) (param $inner i32) (param $out i32)
        (param $segments i32)
    (local $r i32) (local $j i32) (local $bytes i32) (local $end i32) (local $src i32) (local $dst i32) (local $seg i32)
    (local.set $bytes (i32.shl (local.get $inner) (i32.const 2)))
    (local.set $end (i32.shl (i32.and (local.get $inner) (i32.const -4)) (i32.const 2)))
    (memory.fill (local.get $out) (i32.const 0) (i32.mul (local.get $segments) (local.get $bytes)))
    (loop $rowsLoop
      (if (i32.lt_u (local.get $r) (local.get $rows)) (then
        (local.set $seg (i32.load (i32.add (local.get $ids) (i32.shl (local.get $r) (i32.const 2)))))
        ;; unsigned compare: negative ids are skipped too
        (if (i32.lt_u (local.get $seg) (local.get $segments)) (then
          (local.set $src (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $bytes))))
          (local.set $dst (i32.add (local.get $out) (i32.mul (local.get $seg) (local.get $bytes))))
          (local.set $j (i32.const 0))
          (loop $vec
            (if (i32.lt_u (local.get $j) (local.get $end)) (then
              (v128.store (i32.add (local.get $dst) (local.get $j))
                (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $j))) (v128.load (i32.add (local.get $src) (local.get $j)))))
              (local.set $j (i32.add (local.get $j) (i32.const 16)))
              (br $vec))))
          (loop $rest
            (if (i32.lt_u (local.get $j) (local.get $bytes)) (then
              (f32.store (i32.add (local.get $dst) (local.get $j))
                (f32.add (f32.load (i32.add (local.get $dst) (local.get $j))) (f32.load (i32.add (local.get $src) (local.get $j)))))
              (local.set $j (i32.add (local.get $j) (i32.const 4)))
              (br $rest))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop)))))

  (func (export "swapMiddle32") (param $src i32) (param $dst i32) (param $outer i32) (param $a i32) (param $b i32)
        (param $inner i32)
    (local $o i32) (local $i i32) (local $j i32) (local $k i32) (local $run i32) (local $end i32) (local $to i32)
    (local $block i32)
    (local.set $run (i32.shl (local.get $inner) (i32.const 2)))
    (local.set $end (i32.shl (i32.and (local.get $inner) (i32.const -4)) (i32.const 2)))
    (local.set $block (i32.mul (i32.mul (local.get $a) (local.get $b)) (local.get $run)))
    (loop $outerLoop
      (if (i32.lt_u (local.get $o) (local.get $outer)) (then
        (local.set $i (i32.const 0))
        (loop $rowsLoop
          (if (i32.lt_u (local.get $i) (local.get $a)) (then
            ;; src walks [o, i, 0.., :] contiguously; dst[o, j, i, :] is a run every a·inner elements
            (local.set $to (i32.add (i32.add (local.get $dst) (i32.mul (local.get $o) (local.get $block)))
                                    (i32.mul (local.get $i) (local.get $run))))
            (local.set $j (i32.const 0))
            (loop $colsLoop
              (if (i32.lt_u (local.get $j) (local.get $b)) (then
                (local.set $k (i32.const 0))
                (loop $vec
                  (if (i32.lt_u (local.get $k) (local.get $end)) (then
                    (v128.store (i32.add (local.get $to) (local.get $k)) (v128.load (i32.add (local.get $src) (local.get $k))))
                    (local.set $k (i32.add (local.get $k) (i32.const 16)))
                    (br $vec))))
                (loop $rest
                  (if (i32.lt_u (local.get $k) (local.get $run)) (then
                    (i32.store (i32.add (local.get $to) (local.get $k)) (i32.load (i32.add (local.get $src) (local.get $k))))
                    (local.set $k (i32.add (local.get $k) (i32.const 4)))
                    (br $rest))))
                (local.set $src (i32.add (local.get $src) (local.get $run)))
                (local.set $to (i32.add (local.get $to) (i32.mul (local.get $a) (local.get $run))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $colsLoop))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rowsLoop))))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $outerLoop)))))

  (func $mix4 (param $x v128) (result v128)
    (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))))
    (local.set $x (i32x4.mul (local.get $x) (v128.const i32x4 0x7feb352d 0x7feb352d 0x7feb352d 0x7feb352d)))
    (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 15))))
    (local.set $x (i32x4.mul (local.get $x) (v128.const i32x4 0x846ca68b 0x846ca68b 0x846ca68b 0x846ca68b)))
    (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))))

  ;; the keep mask is all-ones lanes, so `scale & keep` is scale or +0 and x·0 keeps NaN and ±inf → NaN, as x·mask does
  (func (export "dropoutF32") (param $src i32) (param $dst i32) (param $count i32) (param $key i32) (param $threshold i32)
        (param $scale f32)
    (local $i i32) (local $idx v128) (local $t v128) (local $sc v128)
    (local.set $sc (f32x4.splat (local.get $scale)))
    (local.set $t (i32x4.splat (local.get $threshold)))
    (local.set $idx (i32x4.add (i32x4.splat (local.get $key)) (v128.const i32x4 0 1 2 3)))
    (loop $vectors
      (if (i32.le_u (i32.add (local.get $i) (i32.const 4)) (local.get $count)) (then
        (v128.store (local.get $dst) (f32x4.mul (v128.load (local.get $src))
          (v128.and (local.get $sc) (i32x4.ge_u (i32x4.shr_u (call $mix4 (local.get $idx)) (i32.const 8)) (local.get $t)))))
        (local.set $idx (i32x4.add (local.get $idx) (v128.const i32x4 4 4 4 4)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vectors))))
    (loop $rest
      (if (i32.lt_u (local.get $i) (local.get $count)) (then
        (f32.store (local.get $dst) (f32x4.extract_lane 0 (f32x4.mul (v128.load32_splat (local.get $src))
          (v128.and (local.get $sc) (i32x4.ge_u (i32x4.shr_u (call $mix4 (local.get $idx)) (i32.const 8)) (local.get $t))))))
        (local.set $idx (i32x4.add (local.get $idx) (v128.const i32x4 1 1 1 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rest)))))

  (func $hsum (param $v v128) (result f32)
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
             (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  (func (export "layerNormF32") (param $x i32) (param $gamma i32) (param $beta i32) (param $rows i32) (param $d i32)
        (param $eps f32) (param $y i32) (param $stats i32)
    (local $r i32) (local $j i32) (local $bytes i32) (local $row i32) (local $out i32)
    (local $acc v128) (local $t v128) (local $mv v128) (local $rv v128) (local $mean f32) (local $rho f32)
    (local.set $bytes (i32.shl (local.get $d) (i32.const 2)))
    (loop $rowsLoop
      (if (i32.lt_u (local.get $r) (local.get $rows)) (then
        (local.set $row (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $bytes))))
        (local.set $out (i32.add (local.get $y) (i32.mul (local.get $r) (local.get $bytes))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (loop $sum
          (if (i32.lt_u (local.get $j) (local.get $bytes)) (then
            (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $row) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $sum))))
        (local.set $mean (f32.div (call $hsum (local.get $acc)) (f32.convert_i32_u (local.get $d))))
        (local.set $mv (f32x4.splat (local.get $mean)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (loop $var
          (if (i32.lt_u (local.get $j) (local.get $bytes)) (then
            (local.set $t (f32x4.sub (v128.load (i32.add (local.get $row) (local.get $j))) (local.get $mv)))
            (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $t) (local.get $t))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $var))))
        (local.set $rho (f32.div (f32.const 1) (f32.sqrt (f32.add
          (f32.div (call $hsum (local.get $acc)) (f32.convert_i32_u (local.get $d))) (local.get $eps)))))
        (local.set $rv (f32x4.splat (local.get $rho)))
        (local.set $j (i32.const 0))
        (loop $write
          (if (i32.lt_u (local.get $j) (local.get $bytes)) (then
            (v128.store (i32.add (local.get $out) (local.get $j))
              (f32x4.add (f32x4.mul (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $row) (local.get $j))) (local.get $mv)) (local.get $rv))
                                    (v128.load (i32.add (local.get $gamma) (local.get $j))))
                         (v128.load (i32.add (local.get $beta) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $write))))
        (f32.store (i32.add (local.get $stats) (i32.shl (local.get $r) (i32.const 3))) (local.get $mean))
        (f32.store offset=4 (i32.add (local.get $stats) (i32.shl (local.get $r) (i32.const 3))) (local.get $rho))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop)))))

  (func (export "layerNormGradF32") (param $x i32) (param $dy i32) (param $gamma i32) (param $stats i32) (param $rows i32)
        (param $d i32) (param $dx i32) (param $dgamma i32) (param $dbeta i32)
    (local $r i32) (local $j i32) (local $bytes i32) (local $off i32)
    (local $s1 v128) (local $s2 v128) (local $mv v128) (local $rv v128) (local $xh v128) (local $g v128) (local $dyv v128)
    (local $a v128) (local $b v128)
    (local.set $bytes (i32.shl (local.get $d) (i32.const 2)))
    (loop $zero
      (if (i32.lt_u (local.get $j) (local.get $bytes)) (then
        (v128.store (i32.add (local.get $dgamma) (local.get $j)) (v128.const i32x4 0 0 0 0))
        (v128.store (i32.add (local.get $dbeta) (local.get $j)) (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $zero))))
    (loop $rowsLoop
      (if (i32.lt_u (local.get $r) (local.get $rows)) (then
        (local.set $off (i32.mul (local.get $r) (local.get $bytes)))
        (local.set $mv (v128.load32_splat (i32.add (local.get $stats) (i32.shl (local.get $r) (i32.const 3)))))
        (local.set $rv (v128.load32_splat offset=4 (i32.add (local.get $stats) (i32.shl (local.get $r) (i32.const 3)))))
        (local.set $s1 (v128.const i32x4 0 0 0 0))
        (local.set $s2 (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (loop $sums
          (if (i32.lt_u (local.get $j) (local.get $bytes)) (then
            (local.set $g (f32x4.mul (v128.load (i32.add (local.get $dy) (i32.add (local.get $off) (local.get $j))))
                                     (v128.load (i32.add (local.get $gamma) (local.get $j)))))
            (local.set $xh (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $j)))) (local.get $mv)) (local.get $rv)))
            (local.set $s1 (f32x4.add (local.get $s1) (local.get $g)))
            (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (local.get $g) (local.get $xh))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $sums))))
        (local.set $a (f32x4.splat (f32.div (call $hsum (local.get $s1)) (f32.convert_i32_u (local.get $d)))))
        (local.set $b (f32x4.splat (f32.div (call $hsum (local.get $s2)) (f32.convert_i32_u (local.get $d)))))
        (local.set $j (i32.const 0))
        (loop $write
          (if (i32.lt_u (local.get $j) (local.get $bytes)) (then
            (local.set $dyv (v128.load (i32.add (local.get $dy) (i32.add (local.get $off) (local.get $j)))))
            (local.set $g (f32x4.mul (local.get $dyv) (v128.load (i32.add (local.get $gamma) (local.get $j)))))
            (local.set $xh (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $j)))) (local.get $mv)) (local.get $rv)))
            (v128.store (i32.add (local.get $dx) (i32.add (local.get $off) (local.get $j)))
              (f32x4.mul (local.get $rv) (f32x4.sub (f32x4.sub (local.get $g) (local.get $a)) (f32x4.mul (local.get $xh) (local.get $b)))))
            (v128.store (i32.add (local.get $dgamma) (local.get $j))
              (f32x4.add (v128.load (i32.add (local.get $dgamma) (local.get $j))) (f32x4.mul (local.get $dyv) (local.get $xh))))
            (v128.store (i32.add (local.get $dbeta) (local.get $j))
              (f32x4.add (v128.load (i32.add (local.get $dbeta) (local.get $j))) (local.get $dyv)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $write))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop)))))

  (func (export "relSoftmaxF32") (param $qk i32) (param $pos i32) (param $n i32) (param $m i32) (param $l i32)
        (param $scale f32) (param $dst i32) (param $skewed i32)
    (local $row i32) (local $rows i32) (local $i i32) (local $src i32) (local $p i32) (local $out i32) (local $j i32)
    (local $bytes i32) (local $sc v128) (local $mx v128) (local $sum v128) (local $x v128) (local $m1 f32)
    (local.set $rows (i32.mul (local.get $n) (local.get $m)))
    (local.set $bytes (i32.shl (local.get $l) (i32.const 2)))
    (local.set $sc (f32x4.splat (local.get $scale)))
    (loop $rowsLoop
      (if (i32.lt_u (local.get $row) (local.get $rows)) (then
        (local.set $i (i32.rem_u (local.get $row) (local.get $m)))
        (local.set $src (i32.add (local.get $qk)
          (i32.shl (i32.add (i32.mul (local.get $row) (i32.add (local.get $l) (local.get $m))) (local.get $i)) (i32.const 2))))
        (local.set $p (i32.add (local.get $pos) (i32.mul (local.get $row) (local.get $bytes))))
        (if (local.get $skewed)
          (then
            ;; the whole row [l+m] zeroed, then the window at column i written below
            (local.set $out (i32.add (local.get $dst)
              (i32.shl (i32.mul (local.get $row) (i32.add (local.get $l) (local.get $m))) (i32.const 2))))
            (local.set $j (i32.const 0))
            (loop $zeroRow
              (if (i32.lt_u (local.get $j) (i32.shl (i32.add (local.get $l) (local.get $m)) (i32.const 2))) (then
                (v128.store (i32.add (local.get $out) (local.get $j)) (v128.const i32x4 0 0 0 0))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $zeroRow))))
            (local.set $out (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))))
          (else (local.set $out (i32.add (local.get $dst) (i32.mul (local.get $row) (local.get $bytes))))))
        (local.set $mx (v128.const f32x4 -inf -inf -inf -inf))
        (local.set $j (i32.const 0))
        (loop $scores
          (if (i32.lt_u (local.get $j) (local.get $bytes)) (then
            (local.set $x (f32x4.mul (f32x4.add (v128.load (i32.add (local.get $src) (local.get $j)))
                                                (v128.load (i32.add (local.get $p) (local.get $j)))) (local.get $sc)))
            (v128.store (i32.add (local.get $out) (local.get $j)) (local.get $x))
            (local.set $mx (f32x4.pmax (local.get $mx) (local.get $x)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $scores))))
        (local.set $m1 (f32.max (f32.max (f32x4.extract_lane 0 (local.get $mx)) (f32x4.extract_lane 1 (local.get $mx)))
                                (f32.max (f32x4.extract_lane 2 (local.get $mx)) (f32x4.extract_lane 3 (local.get $mx)))))
        (local.set $mx (f32x4.splat (local.get $m1)))
        (local.set $sum (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (loop $exps
          (if (i32.lt_u (local.get $j) (local.get $bytes)) (then
            (local.set $x (call $exp4 (f32x4.sub (v128.load (i32.add (local.get $out) (local.get $j))) (local.get $mx))))
            (v128.store (i32.add (local.get $out) (local.get $j)) (local.get $x))
            (local.set $sum (f32x4.add (local.get $sum) (local.get $x)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $exps))))
        (local.set $x (f32x4.splat (f32.div (f32.const 1) (call $hsum (local.get $sum)))))
        (local.set $j (i32.const 0))
        (loop $normalise
          (if (i32.lt_u (local.get $j) (local.get $bytes)) (then
            (v128.store (i32.add (local.get $out) (local.get $j)) (f32x4.mul (v128.load (i32.add (local.get $out) (local.get $j))) (local.get $x)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $normalise))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowsLoop)))))

  (func (export "relSoftmaxGradF32") (param $probs i32) (param $dprobs i32) (param $n i32) (param $m i32) (param $l i32)
        (param $scale f32) (param $dqk i32) (param $dpos i32) (param $skewed i32)
    (local $row i32) (local $rows i32) (local $i i32) (local $pr i32) (local $dp i32) (local $dq i32) (local $j i32)
    (local $bytes i32) (local $wide i32) (local $sc v128) (local $s v128) (local $ds v128)
    (local.set $rows (i32.mul (local.get $n) (local.get $m)))
    (local.set $bytes (i32.shl (local.get $l) (i32.const 2)))
    (local.set $wide (i32.shl (i32.add (local.get $l) (local.get $m)) (i32.const 2)))
    (local.set $sc (f32x4.splat (local.get $scale)))
    (loop $rowsLoop
      (if (i32.lt_u (local.get $row) (local.get $rows)) (then
        (local.set $i (i32.rem_u (local.get $row) (local.get $m)))
        (if (local.get $skewed)
          (then
            (local.set $pr (i32.add (i32.mul (local.get $row) (local.get $wide)) (i32.shl (local.get $i) (i32.const 2))))
            (local.set $dp (i32.add (local.get $dprobs) (local.get $pr)))
            (local.set $pr (i32.add (local.get $probs) (local.get $pr))))
          (else
            (local.set $pr (i32.add (local.get $probs) (i32.mul (local.get $row) (local.get $bytes))))
            (local.set $dp (i32.add (local.get $dprobs) (i32.mul (local.get $row) (local.get $bytes))))))
        (local.set $dq (i32.add (local.get $dqk) (i32.mul (local.get $row) (local.get $wide))))
        (local.set $s (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (loop $dot
          (if (i32.lt_u (local.get $j) (local.get $bytes)) (then
            (local.set $s (f32x4.add (local.get $s) (f32x4.mul (v128.load (i32.add (local.get $pr) (local.get $j)))
                                                               (v128.load (i32.add (local.get $dp) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $dot))))
        (local.set $s (f32x4.splat (call $hsum (local.get $s))))
        (local.set $j (i32.const 0))
        (loop $zero
          (if (i32.lt_u (local.get $j) (local.get $wide)) (then
            (v128.store (i32.add (local.get $dq) (local.get $j)) (v128.const i32x4 0 0 0 0))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $zero))))
        (local.set $dq (i32.add (local.get $dq) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $j (i32.const 0))
        (loop $write
          (if (i32.lt_u (local.get $j) (local.get $bytes)) (then
            (local.set $ds (f32x4.mul (local.get $sc) (f32x4.mul (v128.load (i32.add (local.get $pr) (local.get $j)))
              (f32x4.sub (v128.load (i32.add (local.get $dp) (local.get $j))) (local.get $s)))))
            (v128.store (i32.add (i32.add (local.get $dpos) (i32.mul (local.get $row) (local.get $bytes))) (local.get $j)) (local.get $ds))
            (v128.store (i32.add (local.get $dq) (local.get $j)) (local.get $ds))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $write))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowsLoop)))))
)
