// Compiled into each vector-width build (SMSRKernels16Lanes, SMSRKernels8Lanes), not into SMSR itself.
import SMSRCPU

/// This build's entry points, handed to the engine as one table (see `smsr_kernel_table`): the engine chooses a
/// table once at start-up and calls through it, so no call site asks which build it runs.
public enum KernelBuild {
    public static var table: smsr_kernel_table {
        smsr_kernel_table(
            lanes: FullVector.scalarCount,
            convolution: { GatherConvolution.run($0!) },
            winograd: { WinogradConvolution.run($0!) },
            layer_collect: { LayerCollect.run($0!) },
            planar_row: { PlanarRow.run($0!) },
            row_pairs: { RowPairWinograd.run($0!) },
            channel_sums: { ChannelSums.add($0!, pixels: $1, channels: $2, into: $3!) })
    }
}
