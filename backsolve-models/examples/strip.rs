//! The conductance of a long, strongly disordered strip with QR every q slices
//! (`cargo run --release -p backsolve-models --example strip`).

use backsolve_core::SplitMix64;
use backsolve_models::transport::conductance_wires;

fn main() {
    let (lx, ly, w) = (200, 10, 6.0);
    let mut rng = SplitMix64(2026);
    let v: Vec<f64> = (0..lx * ly).map(|_| rng.range(-w / 2.0, w / 2.0)).collect();
    println!("Lx = {lx}, Ly = {ly}, W = {w}, E = 0.3, k = 1.2");
    for q in [1, 5, 10, 200] {
        println!(
            "q = {q:>3}: G = {:.12e}",
            conductance_wires(&v, lx, ly, 0.0, 0.3, 1.2, q)
        );
    }
}
