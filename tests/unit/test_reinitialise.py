"""The smoothed boundary's reinitialisation (multiscale.dendrite.reinitialise) against exact
distances (docs/models.md §5.4, docs/validation.md)."""

import numpy as np
import pytest

from multiscale.dendrite.reinitialise import (RebuildError, contour_segments, logit, refined_contour,
                                              reinitialised_profile, segment_distance)


def _grid(ny, nx, h):
    y, x = (np.arange(ny) + 0.5) * h, (np.arange(nx) + 0.5) * h
    return y, x, ny * h, np.full((ny, nx), h * h)


def _logistic(d, w):
    return 0.5 * (1.0 + np.tanh(0.5 * d / w))


def _sinusoid_distance(y, x, width, mean, amplitude, samples=8000):
    """Signed distance (+ in the electrolyte, x beyond the front) to x = mean + a sin(2 pi y / W),
    periodic along y, from a dense sampling of the curve (error ~ (W / samples)^2 / d)."""
    ys = np.linspace(0.0, width, samples, endpoint=False)
    xs = mean + amplitude * np.sin(2 * np.pi * ys / width)
    Y, X = np.meshgrid(y, x, indexing="ij")
    distance = np.full(Y.shape, np.inf)
    for shift in (-width, 0.0, width):
        for start in range(0, samples, 1000):
            d2 = (Y[..., None] - ys[start:start + 1000] - shift) ** 2 + (X[..., None] - xs[start:start + 1000]) ** 2
            distance = np.minimum(distance, np.sqrt(d2.min(axis=-1)))
    front = mean + amplitude * np.sin(2 * np.pi * y / width)
    return np.where(X > front[:, None], distance, -distance)


def test_the_contour_of_a_linear_field_is_its_zero_line():
    """Reference: z = x - 2 - 0.3 y vanishes on x = 2 + 0.3 y; linear interpolation is exact for it
    (the seam's square, where this z is not periodic, is left out)."""
    y, x, width, _ = _grid(10, 40, 0.1)
    z = x[None, :] - 2.0 - 0.3 * y[:, None]
    segments = contour_segments(z, y, x, width)
    inside = segments[:, :, 0] < y[-1]  # the seam's square joins y[-1] to y[0] + width, where z is not linear
    assert len(segments) >= 10
    np.testing.assert_allclose(segments[..., 1][inside], 2.0 + 0.3 * segments[..., 0][inside], atol=1e-12)


def test_a_saddle_square_cuts_off_the_corners_of_the_other_sign_than_its_centre():
    """Reference: z = (x - x0)(y - y0) is bilinear, so its edge crossings lie exactly on x = x0 or
    y = y0, and its value at the square's centre (here > 0, the saddle point just beyond the centre)
    says that the two positive corners are joined: the two segments cut off the negative corners."""
    y, x, width, _ = _grid(6, 6, 1.0)
    y0, x0 = y[2] + 0.51, x[2] + 0.51  # in the square of cells (2, 2)-(3, 3), just past its centre
    segments = contour_segments((x[None, :] - x0) * (y[:, None] - y0), y, x, 100.0)
    inside = np.all((segments[..., 0] >= y[2]) & (segments[..., 0] <= y[3])
                    & (segments[..., 1] >= x[2]) & (segments[..., 1] <= x[3]), axis=1)
    pieces = {tuple(sorted(map(tuple, np.round(seg, 12)))) for seg in segments[inside]}
    assert pieces == {tuple(sorted([(y[2], x0), (y0, x[3])])), tuple(sorted([(y[3], x0), (y0, x[2])]))}
    on_cross = np.isclose(segments[..., 1], x0, atol=1e-12) | np.isclose(segments[..., 0], y0, atol=1e-12)
    assert np.all(on_cross[np.all(segments[..., 0] <= y[-1], axis=1)])  # the seam's squares: z is not periodic


def test_cells_driven_below_zero_are_rebuilt_without_false_contours():
    """psi < 0 in the metal (a small G lets the Faradaic sink overshoot there) clips to a logit of
    -690: traced unclipped, the spline's overshoot beside it makes false crossings. Reference: the
    equilibrium profile of the sinusoid of crest radius w with every cell below psi = 0.02 set to
    -6e-4. Tolerance: 0.02 in psi (the shift that conserves the changed metal moves the contour;
    measured 6.3e-3; traced unclipped, 0.33)."""
    y, x, width, volumes = _grid(20, 80, 0.2)
    psi = _logistic(_sinusoid_distance(y, x, width, 8.0, 1.0), 0.4)
    overshot = np.where(psi < 0.02, -6e-4, psi)
    assert np.abs(reinitialised_profile(overshot, y, x, width, 0.4, volumes) - psi).max() < 0.02


def test_a_field_of_one_sign_has_no_contour_and_is_returned_unchanged():
    y, x, width, volumes = _grid(8, 16, 0.1)
    psi = np.full((8, 16), 0.8)
    assert len(contour_segments(logit(psi), y, x, width)) == 0
    np.testing.assert_array_equal(reinitialised_profile(psi, y, x, width, 0.2, volumes), psi)


def test_segment_distance_is_the_exact_distance_to_a_segment_and_its_periodic_images():
    """Reference: distances to the segment (0, 1)-(0, 3) in (y, x), by hand; with period 4 along y the
    point at y = 3.5 is 0.5 from the image at y = 4."""
    segments = np.array([[[0.0, 1.0], [0.0, 3.0]]])
    points = np.array([[1.0, 2.0], [0.0, 0.0], [3.0, 4.0], [3.5, 2.0]])
    np.testing.assert_allclose(segment_distance(points, segments, 4.0), [1.0, 1.0, np.sqrt(2.0), 0.5], rtol=1e-14)


def test_an_equilibrium_flat_profile_is_a_fixed_point():
    """Reference: psi = 1 / (1 + exp(-(x - x0) / w)) is already the profile of its own contour."""
    y, x, width, volumes = _grid(8, 60, 0.1)
    psi = np.broadcast_to(_logistic(x - 3.037, 0.2), (8, 60)).copy()
    np.testing.assert_allclose(reinitialised_profile(psi, y, x, width, 0.2, volumes), psi, atol=1e-12)


@pytest.mark.parametrize("amplitude", [0.3, 1.0])
def test_a_curved_equilibrium_profile_is_kept_and_repeated_reinitialisation_hardly_moves_it(amplitude):
    """Reference: the logistic of the exact signed distance to a sinusoidal front (w = 0.4 um,
    h = 0.2 um, as params/cycling.toml; the crests' radius of curvature 0.4 um = w at amplitude 1).
    Tolerance: one pass changes psi by < 2e-3 (measured 1.3e-4 and 6.0e-4: the contour traced on the
    4x finer spline grid sags by (h/4)^2 kappa / 8 ~ 8e-4 um); ten passes change the rows' metal
    thickness's std by < 1 % (measured 0.3 % and 0.5 %)."""
    y, x, width, volumes = _grid(20, 80, 0.2)
    psi = _logistic(_sinusoid_distance(y, x, width, 8.0, amplitude), 0.4)
    once = reinitialised_profile(psi, y, x, width, 0.4, volumes)
    assert np.abs(once - psi).max() < 2e-3
    repeated = psi
    for _ in range(10):
        repeated = reinitialised_profile(repeated, y, x, width, 0.4, volumes)
    std = [np.std(((1.0 - p) * 0.2).sum(axis=1)) for p in (psi, repeated)]
    assert abs(std[1] / std[0] - 1.0) < 0.01


def test_a_steepened_profile_is_rebuilt_around_its_contour_with_the_metal_conserved():
    """Reference: a profile 0.6x as wide as the equilibrium one, about the same sinusoidal contour,
    comes back as the equilibrium profile of that contour (the shift that conserves the metal is
    zero for a profile symmetric about its contour, up to the curvature's second-order share).
    Tolerance: 2e-3 in psi (measured 6e-4); the metal to 1e-12 relative."""
    y, x, width, volumes = _grid(20, 80, 0.2)
    distance = _sinusoid_distance(y, x, width, 8.0, 1.0)
    steep = _logistic(distance, 0.6 * 0.4)
    rebuilt = reinitialised_profile(steep, y, x, width, 0.4, volumes)
    assert np.abs(rebuilt - _logistic(distance, 0.4)).max() < 2e-3
    assert abs(np.sum(volumes * rebuilt) / np.sum(volumes * steep) - 1.0) < 1e-12


def test_a_metal_sum_no_profile_can_hold_is_refused_not_rebuilt_off_balance():
    """Electrolyte cells at psi = 1.9 ask the rebuilt cells for more than the logistic's sum at any
    shift (each holds at most 1): the rebuild raises instead of returning a profile that loses metal."""
    y, x, width, volumes = _grid(20, 80, 0.2)
    psi = _logistic(_sinusoid_distance(y, x, width, 4.0, 0.5), 0.4)
    psi[:, 40:] = 1.9
    with pytest.raises(RebuildError, match="does not conserve the metal"):
        reinitialised_profile(psi, y, x, width, 0.4, volumes)


def test_inactive_cells_keep_their_values():
    y, x, width, volumes = _grid(20, 80, 0.2)
    steep = _logistic(_sinusoid_distance(y, x, width, 8.0, 0.5), 0.24)
    active = np.ones(steep.shape, dtype=bool)
    active[:5] = False
    rebuilt = reinitialised_profile(steep, y, x, width, 0.4, volumes, active)
    np.testing.assert_array_equal(rebuilt[:5], steep[:5])
    assert np.abs(rebuilt[5:] - steep[5:]).max() > 0.05


def test_the_refined_contour_of_a_circle_lies_on_it():
    """Reference: the circle of radius 1 um about (2, 3) um, the zero contour of its signed distance.
    Tolerance: the traced points lie within 5e-4 um of it (the bicubic spline of the distance on
    0.1 um cells; measured 7e-5, against 1.1e-3 traced linearly on the cells themselves)."""
    y, x, width, _ = _grid(40, 60, 0.1)
    Y, X = np.meshgrid(y, x, indexing="ij")
    segments = refined_contour(np.hypot(Y - 2.0, X - 3.0) - 1.0, y, x, width)
    radius = np.hypot(segments[..., 0] - 2.0, segments[..., 1] - 3.0)
    assert len(segments) > 100
    assert np.abs(radius - 1.0).max() < 5e-4
