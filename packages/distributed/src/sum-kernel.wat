;; The all-reduce's summation over the group's shared memory (see sum-kernel.ts). Byte offsets in, float32 elements
;; out; each element is rounded to float32 after every operation, exactly as the scalar reference does, four lanes at
;; a time with a scalar tail.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; dst[i] = a[i] + b[i] for i < n
  (func (export "addF32") (param $dst i32) (param $a i32) (param $b i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vectors_done
      (loop $vectors
        (br_if $vectors_done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $vectors)))
    (local.set $end (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $dst) (local.get $end)))
        (f32.store (local.get $dst) (f32.add (f32.load (local.get $a)) (f32.load (local.get $b))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br $tail))))

  ;; dst[i] = (a[i] + b[i]) / d for i < n: the last addition of a mean
  (func (export "addDivF32") (param $dst i32) (param $a i32) (param $b i32) (param $n i32) (param $d f32)
    (local $end i32)
    (local $dv v128)
    (local.set $dv (f32x4.splat (local.get $d)))
    (local.set $end (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vectors_done
      (loop $vectors
        (br_if $vectors_done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst)
          (f32x4.div (f32x4.add (v128.load (local.get $a)) (v128.load (local.get $b))) (local.get $dv)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $vectors)))
    (local.set $end (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $dst) (local.get $end)))
        (f32.store (local.get $dst)
          (f32.div (f32.add (f32.load (local.get $a)) (f32.load (local.get $b))) (local.get $d)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br $tail))))

  ;; dst[i] = dst[i] / d for i < n: the mean after a sum that another library took (MPI)
  (func (export "divF32") (param $dst i32) (param $n i32) (param $d f32)
    (local $end i32)
    (local $dv v128)
    (local.set $dv (f32x4.splat (local.get $d)))
    (local.set $end (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vectors_done
      (loop $vectors
        (br_if $vectors_done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst) (f32x4.div (v128.load (local.get $dst)) (local.get $dv)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $vectors)))
    (local.set $end (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $dst) (local.get $end)))
        (f32.store (local.get $dst) (f32.div (f32.load (local.get $dst)) (local.get $d)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (br $tail)))))
