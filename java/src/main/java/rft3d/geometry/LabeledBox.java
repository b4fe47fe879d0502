package rft3d.geometry;

/** A box with its class label, as in a detection answer or a ground-truth object list. */
public record LabeledBox(String label, Box3D box) {}
