//! The adjoint traits for faer's `Mat`, `Col` and `Scale` (feature `faer`, on by default).
//!
//! A matrix is its own adjoint type; its flat real view is column-major, real and imaginary
//! parts interleaved for complex entries.

use crate::adjoint::{Accumulate, AdjIndex, Adjoint, ArgAdj, IntoAdj, Rec};
use crate::c64;
use crate::differentiable::Differentiable;
use faer::{Col, Mat};

impl<T> AdjIndex<(usize, usize)> for Mat<T> {
    type Out = T;
    #[inline]
    fn adj_index(&mut self, (i, j): (usize, usize)) -> &mut T {
        &mut self[(i, j)]
    }
}

impl<T> AdjIndex<usize> for Col<T> {
    type Out = T;
    #[inline]
    fn adj_index(&mut self, i: usize) -> &mut T {
        &mut self[i]
    }
}

/// Element types that faer matrices hold and that are differentiable.
pub trait MatElem: faer::traits::ComplexField + Copy + Accumulate + Default {}
impl MatElem for f64 {}
impl MatElem for c64 {}

impl<T: MatElem> Adjoint for Mat<T> {
    type Adj = Mat<T>;
    type Shape = (usize, usize);
    fn shape(&self) -> (usize, usize) {
        (self.nrows(), self.ncols())
    }
    fn zero_adj(&(m, n): &(usize, usize)) -> Mat<T> {
        Mat::zeros(m, n)
    }
}

impl<T: MatElem> crate::adjoint::LazyZero for Mat<T> {
    fn lazy_zero() -> Mat<T> {
        Mat::zeros(0, 0)
    }
}

impl<T: MatElem> crate::adjoint::LazyZero for Col<T> {
    fn lazy_zero() -> Col<T> {
        Col::zeros(0)
    }
}

impl<T: MatElem> Accumulate for Mat<T> {
    fn acc(&mut self, other: Mat<T>) {
        if other.nrows() == 0 && other.ncols() == 0 {
            return;
        }
        if self.nrows() == 0 && self.ncols() == 0 {
            *self = other;
            return;
        }
        assert_eq!(
            (self.nrows(), self.ncols()),
            (other.nrows(), other.ncols()),
            "backsolve: adding adjoints of matrices of different shapes"
        );
        *self += other;
    }
    fn zeros_like(&self) -> Self {
        Mat::zeros(self.nrows(), self.ncols())
    }
}

impl<T: MatElem> Rec for Mat<T> {
    type R = Mat<T>;
    fn rec(&self) -> Mat<T> {
        self.clone()
    }
}

impl<T: MatElem> ArgAdj for Mat<T> {
    type Adj = Mat<T>;
}

impl<T: MatElem> ArgAdj for &Mat<T> {
    type Adj = Mat<T>;
}

impl<T: MatElem> IntoAdj for &Mat<T> {
    type Adj = Mat<T>;
    fn into_adj(self) -> Mat<T> {
        self.clone()
    }
}

impl<T: MatElem> IntoAdj for Mat<T> {
    type Adj = Mat<T>;
    fn into_adj(self) -> Mat<T> {
        self
    }
}

impl<T: MatElem> Adjoint for Col<T> {
    type Adj = Col<T>;
    type Shape = usize;
    fn shape(&self) -> usize {
        self.nrows()
    }
    fn zero_adj(&n: &usize) -> Col<T> {
        Col::zeros(n)
    }
}

impl<T: MatElem> Accumulate for Col<T> {
    fn acc(&mut self, other: Col<T>) {
        if other.nrows() == 0 {
            return;
        }
        if self.nrows() == 0 {
            *self = other;
            return;
        }
        assert_eq!(
            self.nrows(),
            other.nrows(),
            "backsolve: adding adjoints of columns of different lengths"
        );
        *self += other;
    }
    fn zeros_like(&self) -> Self {
        Col::zeros(self.nrows())
    }
}

impl<T: MatElem> Rec for Col<T> {
    type R = Col<T>;
    fn rec(&self) -> Col<T> {
        self.clone()
    }
}

impl<T: MatElem> ArgAdj for Col<T> {
    type Adj = Col<T>;
}

impl<T: MatElem> ArgAdj for &Col<T> {
    type Adj = Col<T>;
}

impl<T: MatElem> IntoAdj for &Col<T> {
    type Adj = Col<T>;
    fn into_adj(self) -> Col<T> {
        self.clone()
    }
}

/// faer's scaling wrapper `Scale(k) * &m` is differentiable in `k` too.
impl<T: Adjoint> Adjoint for faer::Scale<T> {
    type Adj = T::Adj;
    type Shape = T::Shape;
    fn shape(&self) -> T::Shape {
        self.0.shape()
    }
    fn zero_adj(shape: &T::Shape) -> T::Adj {
        T::zero_adj(shape)
    }
}

impl<T: Rec> Rec for faer::Scale<T> {
    type R = faer::Scale<T::R>;
    fn rec(&self) -> Self::R {
        faer::Scale(self.0.rec())
    }
}

impl<T: MatElem + Differentiable> Differentiable for Mat<T> {
    fn n_reals(&self) -> usize {
        self.nrows() * self.ncols() * T::default().n_reals()
    }
    fn write_reals(&self, out: &mut Vec<f64>) {
        for j in 0..self.ncols() {
            for i in 0..self.nrows() {
                self[(i, j)].write_reals(out);
            }
        }
    }
    fn read_reals(&mut self, src: &[f64]) -> usize {
        let mut used = 0;
        for j in 0..self.ncols() {
            for i in 0..self.nrows() {
                used += self[(i, j)].read_reals(&src[used..]);
            }
        }
        used
    }
}

impl<T: MatElem + Differentiable> Differentiable for Col<T> {
    fn n_reals(&self) -> usize {
        self.nrows() * T::default().n_reals()
    }
    fn write_reals(&self, out: &mut Vec<f64>) {
        for i in 0..self.nrows() {
            self[i].write_reals(out);
        }
    }
    fn read_reals(&mut self, src: &[f64]) -> usize {
        let mut used = 0;
        for i in 0..self.nrows() {
            used += self[i].read_reals(&src[used..]);
        }
        used
    }
}
