use burn::prelude::*;

/// Copies a float tensor's values to the host as `f32`, row-major (synchronises the device).
pub fn to_host<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("data converted to f32 reads back as f32")
}
