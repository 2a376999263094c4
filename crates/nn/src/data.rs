//! Data sets: a CSV loader with errors that say where, a seeded stratified
//! split, standardisation, Fisher's Iris and micrograd's two moons.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Error, Result, Rng};

/// Fisher's Iris data (150 flowers, 4 measurements in cm, species 0 =
/// setosa, 1 = versicolor, 2 = virginica), shipped with the crate; see
/// `data/README.md` for its source and licence.
pub const IRIS_CSV: &str = include_str!("../data/iris.csv");

/// The Iris species, by class number.
pub const IRIS_SPECIES: [&str; 3] = ["setosa", "versicolor", "virginica"];

/// Samples with numeric features and an integer class each.
///
/// ```
/// use tapegrad_nn::Dataset;
///
/// let iris = Dataset::iris();
/// assert_eq!((iris.len(), iris.width(), iris.classes()), (150, 4, 3));
/// assert_eq!(iris.feature_names()[2], "petal_length");
/// assert_eq!((iris.row(0), iris.label(0)), (&[5.1, 3.5, 1.4, 0.2][..], 0));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    features: Vec<f64>,
    width: usize,
    labels: Vec<usize>,
    classes: usize,
    feature_names: Vec<String>,
    label_name: String,
}

/// A CSV file split into its header and rows of fields, each row with its
/// line number.
struct Table<'a> {
    header: Vec<&'a str>,
    rows: Vec<(usize, Vec<&'a str>)>,
}

fn csv_error(line: usize, column: usize, name: &str, message: impl Into<String>) -> Error {
    Error::Csv {
        line,
        column,
        name: name.to_string(),
        message: message.into(),
    }
}

impl<'a> Table<'a> {
    /// Splits `text` on commas; blank lines are skipped, a field's spaces
    /// trimmed, and a UTF-8 byte-order mark at the start dropped (editors
    /// on Windows write one, and it would otherwise become an invisible
    /// part of the first column's name).
    fn parse(text: &'a str) -> Result<Table<'a>> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty());
        let Some((header_line, header)) = lines.next() else {
            return Err(Error::Data(
                "the file is empty: it needs a header row and data rows".into(),
            ));
        };
        let header: Vec<&str> = header.split(',').map(str::trim).collect();
        if let Some(i) = header.iter().position(|h| h.is_empty()) {
            return Err(csv_error(
                header_line,
                i + 1,
                "",
                "the header has an empty column name",
            ));
        }
        // Columns are found by name (`--label`, a model's features), so two
        // of one name would make the second unreachable. A map keeps the
        // check linear in the number of columns.
        let mut seen = HashMap::with_capacity(header.len());
        for (i, &name) in header.iter().enumerate() {
            if let Some(first) = seen.insert(name, i) {
                return Err(csv_error(
                    header_line,
                    i + 1,
                    name,
                    format!(
                        "column {} has the same name; each column needs a name of its own",
                        first + 1
                    ),
                ));
            }
        }
        let mut rows = Vec::new();
        for (line, text) in lines {
            let fields: Vec<&str> = text.split(',').map(str::trim).collect();
            if fields.len() != header.len() {
                return Err(Error::Data(format!(
                    "line {line}: {} fields, but the header has {} columns",
                    fields.len(),
                    header.len()
                )));
            }
            rows.push((line, fields));
        }
        if rows.is_empty() {
            return Err(Error::Data("the file has a header but no data rows".into()));
        }
        Ok(Table { header, rows })
    }

    fn number(&self, line: usize, column: usize, field: &str) -> Result<f64> {
        let name = self.header[column];
        match field.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            Ok(_) => Err(csv_error(
                line,
                column + 1,
                name,
                format!("`{field}` is not a finite number"),
            )),
            Err(_) if field.is_empty() => {
                Err(csv_error(line, column + 1, name, "the value is missing"))
            }
            Err(_) => Err(csv_error(
                line,
                column + 1,
                name,
                format!("`{field}` is not a number"),
            )),
        }
    }

    fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| *h == name)
    }

    fn columns(&self) -> String {
        self.header
            .iter()
            .map(|h| format!("`{h}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Dataset {
    /// Reads a CSV text: a header row, numeric feature columns and an
    /// integer class label (0, 1, 2, …) in the last column, or in the
    /// column named `label`. Fields are separated by commas, without
    /// quotes; blank lines are skipped, and so is a UTF-8 byte-order mark
    /// at the start. The labels run from 0 to the largest with a row for
    /// every class, so there are never more classes than rows.
    ///
    /// ```
    /// use tapegrad_nn::{Dataset, Error};
    ///
    /// let data = Dataset::from_csv("x,y,class\n1,2,0\n3,4,1\n", None).unwrap();
    /// assert_eq!((data.len(), data.classes()), (2, 2));
    /// let err = Dataset::from_csv("x,class\n1,0\nabc,1\n", None).unwrap_err();
    /// assert_eq!(err.to_string(), "line 3, column 1 (`x`): `abc` is not a number");
    /// ```
    ///
    /// # Errors
    /// [`Error::Csv`] for a field that is not a number or not a class label,
    /// or a label as large as the number of rows, naming its line and
    /// column, and for a name given to two columns (naming both);
    /// [`Error::Data`] for an empty file, a ragged row, an unknown `label`
    /// column, a single class or a class without rows.
    ///
    /// ```
    /// use tapegrad_nn::Dataset;
    ///
    /// let err = Dataset::from_csv("a,b,a,class\n1,2,3,0\n4,5,6,1\n", None).unwrap_err();
    /// assert_eq!(err.to_string(), "line 1, column 3 (`a`): column 1 has the same name; each column needs a name of its own");
    /// let err = Dataset::from_csv("x,class\n1,1\n2,2\n3,1\n", None).unwrap_err();
    /// assert!(err.to_string().starts_with("no row has class 0"));
    /// ```
    pub fn from_csv(text: &str, label: Option<&str>) -> Result<Dataset> {
        let table = Table::parse(text)?;
        let label_column = match label {
            None => table.header.len() - 1,
            Some(name) => table.column(name).ok_or_else(|| {
                Error::Data(format!(
                    "no column `{name}`; the columns are {}",
                    table.columns()
                ))
            })?,
        };
        if table.header.len() < 2 {
            return Err(Error::Data(format!(
                "only one column ({}): a data set needs feature columns and a label column",
                table.columns()
            )));
        }
        let width = table.header.len() - 1;
        let mut features = Vec::with_capacity(table.rows.len() * width);
        let mut labels = Vec::with_capacity(table.rows.len());
        for (line, fields) in &table.rows {
            for (column, field) in fields.iter().enumerate() {
                if column == label_column {
                    let name = table.header[column];
                    let label = parse_label(*line, column, name, field)?;
                    // Every class from 0 to the largest needs a row (checked
                    // below), so no label reaches the number of rows: this
                    // bounds the classes, and the model's outputs, by the
                    // data's own size.
                    if label >= table.rows.len() {
                        return Err(csv_error(
                            *line,
                            column + 1,
                            name,
                            format!(
                                "the class label {label} is too large: the labels must be 0, 1, 2, … \
                                 with a row for every class, so {} rows allow at most {}",
                                table.rows.len(),
                                table.rows.len() - 1
                            ),
                        ));
                    }
                    labels.push(label);
                } else {
                    features.push(table.number(*line, column, field)?);
                }
            }
        }
        // Each label is below the number of rows, so this count is as long
        // as the data at most.
        let classes = labels.iter().max().map_or(0, |&m| m + 1);
        let mut rows_of = vec![0usize; classes];
        for &c in &labels {
            rows_of[c] += 1;
        }
        if rows_of.iter().filter(|&&n| n > 0).count() < 2 {
            return Err(Error::Data(format!(
                "every row has class {}: a classifier needs at least two classes",
                labels[0]
            )));
        }
        if let Some(missing) = rows_of.iter().position(|&n| n == 0) {
            return Err(Error::Data(format!(
                "no row has class {missing}: the labels must be 0, 1, 2, … up to the largest ({}) \
                 with a row for every class",
                classes - 1
            )));
        }
        Ok(Dataset {
            features,
            width,
            labels,
            classes,
            feature_names: (0..table.header.len())
                .filter(|&c| c != label_column)
                .map(|c| table.header[c].to_string())
                .collect(),
            label_name: table.header[label_column].to_string(),
        })
    }

    /// Reads the CSV file at `path`, as [`Dataset::from_csv`].
    ///
    /// # Errors
    /// [`Error::Io`] if it cannot be read, else as [`Dataset::from_csv`].
    pub fn read(path: &Path, label: Option<&str>) -> Result<Dataset> {
        Dataset::from_csv(&read_text(path)?, label)
    }

    /// Fisher's Iris data ([`IRIS_CSV`]).
    pub fn iris() -> Dataset {
        Dataset::from_csv(IRIS_CSV, None).expect("the shipped Iris data reads")
    }

    /// micrograd's two moons (scikit-learn's `make_moons`): `n` points on
    /// two interleaved half circles, class 0 on the upper one and class 1
    /// on the lower, each coordinate moved by normal noise of standard
    /// deviation `noise`, drawn from `seed`.
    ///
    /// ```
    /// let moons = tapegrad_nn::Dataset::moons(100, 0.1, 1);
    /// assert_eq!((moons.len(), moons.width(), moons.classes()), (100, 2, 2));
    /// assert_eq!(moons, tapegrad_nn::Dataset::moons(100, 0.1, 1)); // the seed fixes it
    /// ```
    pub fn moons(n: usize, noise: f64, seed: u64) -> Dataset {
        let mut rng = Rng::new(seed);
        let upper = n / 2 + n % 2;
        let mut features = Vec::with_capacity(2 * n);
        let mut labels = Vec::with_capacity(n);
        let spread = |k: usize, m: usize| {
            if m > 1 {
                std::f64::consts::PI * k as f64 / (m - 1) as f64
            } else {
                0.0
            }
        };
        for k in 0..upper {
            let t = spread(k, upper);
            features.extend([t.cos(), t.sin()]);
            labels.push(0);
        }
        for k in 0..n - upper {
            let t = spread(k, n - upper);
            features.extend([1.0 - t.cos(), 0.5 - t.sin()]);
            labels.push(1);
        }
        for x in &mut features {
            *x += noise * rng.normal();
        }
        let mut data = Dataset {
            features,
            width: 2,
            labels,
            classes: 2,
            feature_names: vec!["x".into(), "y".into()],
            label_name: "class".into(),
        };
        data = data.select(&rng.permutation(n));
        data
    }

    /// How many samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// How many features a sample has.
    pub fn width(&self) -> usize {
        self.width
    }

    /// How many classes: the largest label plus one.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Sample `i`'s features.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.features[i * self.width..(i + 1) * self.width]
    }

    /// Sample `i`'s class.
    pub fn label(&self, i: usize) -> usize {
        self.labels[i]
    }

    /// Every class label, in order.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The feature columns' names.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The label column's name.
    pub fn label_name(&self) -> &str {
        &self.label_name
    }

    /// The samples at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Dataset {
        Dataset {
            features: indices
                .iter()
                .flat_map(|&i| self.row(i).iter().copied())
                .collect(),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            ..self.clone_empty()
        }
    }

    fn clone_empty(&self) -> Dataset {
        Dataset {
            features: Vec::new(),
            width: self.width,
            labels: Vec::new(),
            classes: self.classes,
            feature_names: self.feature_names.clone(),
            label_name: self.label_name.clone(),
        }
    }

    /// Class `class` against the rest: label 1 for it, 0 for every other.
    ///
    /// ```
    /// let setosa = tapegrad_nn::Dataset::iris().one_vs_rest(0);
    /// assert_eq!(setosa.classes(), 2);
    /// assert_eq!(setosa.labels().iter().filter(|&&c| c == 1).count(), 50);
    /// ```
    pub fn one_vs_rest(&self, class: usize) -> Dataset {
        Dataset {
            features: self.features.clone(),
            labels: self
                .labels
                .iter()
                .map(|&c| usize::from(c == class))
                .collect(),
            classes: 2,
            ..self.clone_empty()
        }
    }

    /// Splits into a training and a held-out set, `test_fraction` of each
    /// class held out (rounded to the nearest sample), chosen by a shuffle
    /// from `seed`. Both keep the samples in their original order.
    ///
    /// ```
    /// let (train, test) = tapegrad_nn::Dataset::iris().split(0.2, 7).unwrap();
    /// assert_eq!((train.len(), test.len()), (120, 30)); // 10 of each species held out
    /// ```
    ///
    /// # Errors
    /// [`Error::Data`] for a fraction outside `[0, 1)`.
    pub fn split(&self, test_fraction: f64, seed: u64) -> Result<(Dataset, Dataset)> {
        if !(0.0..1.0).contains(&test_fraction) {
            return Err(Error::Data(format!(
                "the test fraction must be at least 0 and below 1, not {test_fraction}"
            )));
        }
        let mut rng = Rng::new(seed);
        let mut held = vec![false; self.len()];
        for class in 0..self.classes {
            let mut members: Vec<usize> = (0..self.len())
                .filter(|&i| self.labels[i] == class)
                .collect();
            rng.shuffle(&mut members);
            let k = (members.len() as f64 * test_fraction).round() as usize;
            for &i in &members[..k] {
                held[i] = true;
            }
        }
        let (test, train): (Vec<usize>, Vec<usize>) = (0..self.len()).partition(|&i| held[i]);
        Ok((self.select(&train), self.select(&test)))
    }

    /// Standardises every feature in place with `scaler`.
    ///
    /// # Panics
    /// If `scaler` was fitted to another number of features.
    pub fn standardise(&mut self, scaler: &Standardizer) {
        assert_eq!(
            scaler.mean.len(),
            self.width,
            "tapegrad-nn: standardiser width"
        );
        for row in self.features.chunks_mut(self.width) {
            scaler.apply(row);
        }
    }
}

fn parse_label(line: usize, column: usize, name: &str, field: &str) -> Result<usize> {
    if field.is_empty() {
        return Err(csv_error(
            line,
            column + 1,
            name,
            "the class label is missing",
        ));
    }
    field.parse::<usize>().map_err(|_| {
        csv_error(
            line,
            column + 1,
            name,
            format!("the class label `{field}` is not a whole number 0, 1, 2, …"),
        )
    })
}

pub(crate) fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads the feature columns `names` from a CSV text, in that order, for
/// prediction: other columns (a label, say) are ignored.
///
/// ```
/// let rows = tapegrad_nn::data::read_features("b,a\n1,2\n3,4\n", &["a".into(), "b".into()]).unwrap();
/// assert_eq!(rows, vec![vec![2.0, 1.0], vec![4.0, 3.0]]);
/// ```
///
/// # Errors
/// As [`read_feature_lines`].
pub fn read_features(text: &str, names: &[String]) -> Result<Vec<Vec<f64>>> {
    Ok(read_feature_lines(text, names)?
        .into_iter()
        .map(|(_, row)| row)
        .collect())
}

/// [`read_features`] with each row's line number (from 1; blank lines are
/// skipped but counted), to say where a row that cannot be used is.
///
/// ```
/// let rows = tapegrad_nn::data::read_feature_lines("a\n1\n\n3\n", &["a".into()]).unwrap();
/// assert_eq!(rows, vec![(2, vec![1.0]), (4, vec![3.0])]);
/// ```
///
/// # Errors
/// [`Error::Data`] for an empty file, a ragged row or a missing column,
/// [`Error::Csv`] for a field that is not a number or a name given to two
/// columns.
pub fn read_feature_lines(text: &str, names: &[String]) -> Result<Vec<(usize, Vec<f64>)>> {
    let table = Table::parse(text)?;
    let columns = names
        .iter()
        .map(|n| {
            table.column(n).ok_or_else(|| {
                Error::Data(format!(
                    "the model reads a feature `{n}`, which the file lacks; its columns are {}",
                    table.columns()
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    table
        .rows
        .iter()
        .map(|(line, fields)| {
            let row = columns
                .iter()
                .map(|&c| table.number(*line, c, fields[c]))
                .collect::<Result<_>>()?;
            Ok((*line, row))
        })
        .collect()
}

/// Each feature's mean and standard deviation, from a training set, to
/// map features to zero mean and unit variance: `(x - mean) / std`. A
/// constant feature keeps its spread (`std` is taken as 1).
///
/// ```
/// use tapegrad_nn::{Dataset, Standardizer};
///
/// let data = Dataset::from_csv("x,c\n1,0\n3,1\n", None).unwrap();
/// let s = Standardizer::fit(&data);
/// assert_eq!((s.mean(), s.std()), (&[2.0][..], &[1.0][..]));
/// let mut row = [5.0];
/// s.apply(&mut row);
/// assert_eq!(row, [3.0]);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    mean: Vec<f64>,
    std: Vec<f64>,
}

impl Standardizer {
    /// The statistics of `data`'s features (the population standard
    /// deviation).
    ///
    /// Sums that overflow are taken again scaled: a mean of values near
    /// `f64::MAX` as the sum of each value over `n`, a deviation beyond
    /// 10¹⁵⁴ (whose square overflows) relative to the largest distance from
    /// the mean. Both are then finite unless the values span more than
    /// `f64::MAX`; [`Standardizer::is_finite`] says whether they are.
    ///
    /// ```
    /// use tapegrad_nn::{Dataset, Standardizer};
    ///
    /// // -2⁷⁰⁰ and 3·2⁷⁰⁰: mean 2⁷⁰⁰, deviation 2⁷⁰¹, whose square overflows.
    /// let p = 2f64.powi(700);
    /// let data = Dataset::from_csv(&format!("x,c\n{},0\n{},1\n", -p, 3.0 * p), None).unwrap();
    /// let s = Standardizer::fit(&data);
    /// assert_eq!((s.mean(), s.std()), (&[p][..], &[2.0 * p][..]));
    /// assert!(s.is_finite());
    /// ```
    pub fn fit(data: &Dataset) -> Standardizer {
        let n = data.len().max(1) as f64;
        let column = |j: usize| (0..data.len()).map(move |i| data.row(i)[j]);
        let mut mean = vec![0.0; data.width];
        for i in 0..data.len() {
            for (m, x) in mean.iter_mut().zip(data.row(i)) {
                *m += x;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        for (j, m) in mean.iter_mut().enumerate() {
            if !m.is_finite() {
                // Each term is at most max |x| / n, so no partial sum
                // overflows.
                *m = column(j).map(|x| x / n).sum();
            }
        }
        let mut var = vec![0.0; data.width];
        for i in 0..data.len() {
            for ((v, m), x) in var.iter_mut().zip(&mean).zip(data.row(i)) {
                *v += (x - m) * (x - m);
            }
        }
        let std = var
            .iter()
            .enumerate()
            .map(|(j, v)| {
                let mut s = (v / n).sqrt();
                if !s.is_finite() {
                    // σ = d·√(Σ((x - m)/d)² / n) with d the largest |x - m|:
                    // every scaled square is at most 1.
                    // Infinite if a distance overflows (values spanning
                    // more than f64::MAX), and then left so.
                    let d = column(j).map(|x| (x - mean[j]).abs()).fold(0.0, f64::max);
                    if d.is_finite() {
                        let r: f64 = column(j).map(|x| ((x - mean[j]) / d).powi(2)).sum();
                        s = d * (r / n).sqrt();
                    }
                }
                if s > 0.0 { s } else { 1.0 }
            })
            .collect();
        Standardizer { mean, std }
    }

    /// Whether every mean and deviation is finite: false only for a feature
    /// whose values span more than `f64::MAX`, which cannot be standardised
    /// (and [`Classifier::new`](crate::Classifier::new) refuses).
    pub fn is_finite(&self) -> bool {
        self.mean.iter().chain(&self.std).all(|x| x.is_finite())
    }

    /// Standardises one sample in place.
    pub fn apply(&self, row: &mut [f64]) {
        for ((x, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
            *x = (*x - m) / s;
        }
    }

    /// The means.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// The standard deviations (1 for a constant feature).
    pub fn std(&self) -> &[f64] {
        &self.std
    }

    /// A standardiser from given statistics.
    ///
    /// # Errors
    /// [`Error::Shape`] if the lengths differ or a deviation is not a
    /// positive finite number.
    pub fn from_parts(mean: Vec<f64>, std: Vec<f64>) -> Result<Standardizer> {
        if mean.len() != std.len() {
            return Err(Error::Shape(format!(
                "{} means and {} deviations",
                mean.len(),
                std.len()
            )));
        }
        if let Some(i) = std.iter().position(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(Error::Shape(format!(
                "deviation {i} is {}, not a positive number",
                std[i]
            )));
        }
        Ok(Standardizer { mean, std })
    }
}
